"""SHACL validation of newskg data against ``shapes/newskg.shapes.ttl``, with pySHACL.

How a dataset is validated
--------------------------
The data is a dataset: a default graph (backbone, article, claim metadata) and one named graph per claim whose IRI
is the claim IRI (what is claimed, figures included), plus snapshot graphs. pySHACL validates a dataset graph by
graph or as a union depending on its version (pySHACL issue #152; 0.40 validates the union of the default graph and
the named graphs), and when an ontology is mixed in it copies the ontology into every named graph. Either way no
triple pattern can tell a shape "the named graph called <claim> exists and holds triples".

So :func:`validate` never hands pySHACL a dataset. It builds one plain :class:`rdflib.Graph` to validate:

1. every triple of the data: its default graph *and* the content of every named graph (the union: figures live in
   claim graphs and must be validated too; a claim graph's content is treated like any other data);
2. for every named graph ``G`` of the data holding ``N`` triples, the marker triple
   ``G nkgsh:graphTripleCount N`` (``nkgsh:`` = ``https://w3id.org/newskg/shapes#``, declared in the shapes file as
   internal vocabulary; never stored, and any such triple in the input is dropped first so data cannot fake it).
   The claim shape's SHACL-SPARQL constraint asks for a count above zero on the claim IRI;
3. the ontology (so ``sh:targetClass`` and ``sh:class`` follow ``rdfs:subClassOf`` without inference);
4. the context: stored descriptions of resources the data refers to (a Graph, or a Dataset treated like the data,
   so a stored claim graph that the candidate does not repeat can be passed along and gets its marker too).

pySHACL then runs over that graph (once when the candidate conforms; see below for the second run), inside a
no-network zone (:mod:`newskg.egress.guard`: rdflib's SPARQL engine would follow ``SERVICE`` and load URLs), no
inference (entailments are materialised elsewhere; ``inference="rdfs"`` would recompute a closure on every call), in
place (the graph is our own: a per-thread copy of the ontology that the other triples join for the run and leave
after it, see :func:`_validated`).
SHACL-SPARQL constraints always run; SHACL-AF (``advanced``) only for the project's own shapes. pySHACL hands rdflib
the text of a SHACL-SPARQL query once per focus node, and parsing it is about 90 % of the run time; the graph we
build parses each distinct query text once (:class:`_PreparedQueryGraph`).

Shapes from elsewhere are data, not code
----------------------------------------
Shapes a caller sends (or names in the store, other than the project's shapes graph) may use SHACL Core only.
:func:`check_shapes_are_data` refuses any SHACL-SPARQL, SHACL-AF or SHACL-JS construct in them before anything runs
(a query is code; pySHACL's own ``SERVICE`` check is a regular expression that a ``#`` comment slips past), and
they are applied with ``advanced=False``.

Which results are reported
--------------------------
In context (the default), a result is kept when its focus node is *mentioned by the data* (the subject or object of
a triple in any graph of the data, or the name of one of its named graphs) and the stored context alone does not
already produce it. The first rule keeps violations on a node the candidate only points at or that a shape targets
with ``sh:targetNode`` / ``sh:targetObjectsOf``; nodes that occur only in the ontology or the context are left out.
The second rule drops old problems of stored data that the candidate did not cause (they would block an unrelated
write, and the caller could not fix them in this request): when some result is kept and there is a context, the
context without the candidate's triples is validated once more (with the same ontology and shapes) and every
result it gives too, compared on focus node, path, value, shape, constraint component and severity, is dropped. A
candidate that conforms costs one pySHACL run, as before. ``conforms`` is true when no kept result has severity
``sh:Violation`` (warnings and infos do not block a write).

``plain=True`` is standard SHACL on the data alone, for a user with their own shapes: no ontology, no context, no
graph markers; every result is kept and ``conforms`` is true only when there is no result at all (SHACL 3.6.2).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyshacl
import rdflib
from pyparsing import ParseBaseException
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Literal, URIRef
from rdflib.graph import ConjunctiveGraph, Dataset
from rdflib.namespace import RDF, SH, XSD
from rdflib.plugins.sparql import prepareQuery

from newskg.egress.guard import no_network
from newskg.core.errors import NewsKGError, ShapesRejectedError

NKGSH = rdflib.Namespace("https://w3id.org/newskg/shapes#")
GRAPH_TRIPLE_COUNT = NKGSH.graphTripleCount
SHAPES_RELATIVE_PATH = Path("shapes") / "newskg.shapes.ttl"


class ShapesError(NewsKGError):
    """The shapes themselves are broken: a server fault, not a validation result."""

    status = 500
    title = "Shapes error"


@dataclass
class ValidationResult:
    """One sh:ValidationResult, flattened to strings."""

    focus_node: str
    path: str | None
    value: str | None
    severity: str
    message: str
    source_shape: str
    # the SHACL constraint component that produced it (its IRI); None for our own check of ontology terms
    source_constraint_component: str | None = None

    def to_json(self) -> dict:
        """The result as a JSON-ready dict."""
        return {
            "focus_node": self.focus_node,
            "path": self.path,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "source_shape": self.source_shape,
            "source_constraint_component": self.source_constraint_component,
        }


@dataclass
class ValidationReport:
    """The outcome of a validation: conformance, the results, and the sh:ValidationReport graph."""

    conforms: bool
    results: list[ValidationResult]
    graph: rdflib.Graph = field(repr=False)

    def to_json(self) -> dict:
        """{"conforms": ..., "results": [...]}."""
        return {"conforms": self.conforms, "results": [result.to_json() for result in self.results]}

    def messages(self) -> list[str]:
        """All result messages, for logs and tests."""
        return [result.message for result in self.results]


def find_shapes_file(start: Path | None = None) -> Path:
    """The shapes file: ``shapes/newskg.shapes.ttl`` in the first folder upward from this module (or ``start``)."""
    origins = [start] if start is not None else [Path(__file__).resolve().parent, Path.cwd()]
    for origin in origins:
        for folder in [origin, *origin.parents]:
            candidate = folder / SHAPES_RELATIVE_PATH
            if candidate.is_file():
                return candidate
    raise ShapesError(f"cannot find {SHAPES_RELATIVE_PATH} above {', '.join(str(o) for o in origins)}")


def load_shapes(path: str | Path | None = None) -> rdflib.Graph:
    """Parse the shapes file (default: the repository's) and check that its SPARQL constraints parse."""
    shapes_path = Path(path) if path is not None else find_shapes_file()
    shapes = rdflib.Graph()
    try:
        shapes.parse(shapes_path, format="turtle")
    except FileNotFoundError as exc:
        raise ShapesError(f"shapes file not found: {shapes_path}") from exc
    except (SyntaxError, ValueError, ParseBaseException) as exc:
        raise ShapesError(f"shapes file {shapes_path} does not parse: {exc}") from exc
    check_sparql_constraints(shapes)
    return shapes


def check_sparql_constraints(shapes: rdflib.Graph) -> None:
    """Raise ShapesError if an sh:select/sh:ask query of the shapes does not parse (pySHACL parses them lazily)."""
    prefixes = {
        str(prefix): str(namespace)
        for declaration in shapes.objects(None, SH.declare)
        for prefix in shapes.objects(declaration, SH.prefix)
        for namespace in shapes.objects(declaration, SH.namespace)
    }
    for predicate in (SH.select, SH.ask):
        for node, query in shapes.subject_objects(predicate):
            try:
                prepareQuery(str(query), initNs=prefixes)
            except Exception as exc:  # rdflib raises pyparsing and plain exceptions alike
                raise ShapesError(f"SPARQL constraint {node} does not parse: {exc}") from exc


# SHACL terms that make shapes run code (SPARQL, JavaScript) or derive data (SHACL-AF rules, functions, custom
# targets, node expressions): https://www.w3.org/TR/shacl/#sparql-constraints, https://www.w3.org/TR/shacl-af/.
_SHACL = rdflib.Namespace(str(SH))  # rdflib's SH lacks some SHACL-AF terms (sh:values, sh:SHACLFunction)
_CODE_PREDICATES = frozenset(_SHACL[name] for name in (
    "sparql", "select", "ask", "construct", "update", "target", "validator", "nodeValidator", "propertyValidator",
    "rule", "condition", "expression", "values", "filterShape", "intersection", "union", "nodes", "returnType",
))
_CODE_CLASSES = frozenset(_SHACL[name] for name in (
    "ConstraintComponent", "Parameterizable", "Function", "SPARQLFunction", "SHACLFunction", "SPARQLConstraint",
    "SPARQLConstraintComponent", "SPARQLAskValidator", "SPARQLSelectValidator", "Validator", "SPARQLExecutable",
    "SPARQLAskExecutable", "SPARQLSelectExecutable", "SPARQLConstructExecutable", "SPARQLUpdateExecutable",
    "SPARQLTarget", "SPARQLTargetType", "Target", "TargetType", "Rule", "SPARQLRule", "TripleRule",
    "this",  # not a class: the focus node in SHACL-AF node expressions
))
_CODE_TERMS = _CODE_PREDICATES | _CODE_CLASSES
_SHACL_JS = (f"{SH}js", f"{SH}JS")  # SHACL-JS, every term: sh:js, sh:jsLibraryURL, sh:JSConstraint...


# Predicates whose object is only the name of a property to match in the data graph (a target, a path), never run:
# SHACL-for-SHACL targets the subjects of sh:sparql to check the syntax of shapes (``sh:targetSubjectsOf sh:sparql``).
_NAMES_A_PROPERTY = frozenset(_SHACL[name] for name in (
    "targetSubjectsOf", "targetObjectsOf", "path", "inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath",
))


def _is_code_term(term: rdflib.term.Node) -> bool:
    if term in _CODE_TERMS:
        return True
    return isinstance(term, URIRef) and str(term).startswith(_SHACL_JS)


def check_shapes_are_data(shapes: rdflib.Graph) -> None:
    """Refuse (400) shapes that are code: any SHACL-SPARQL, SHACL-AF or SHACL-JS construct (only SHACL Core may run).

    A triple is refused when its predicate is such a term (sh:sparql, sh:select, sh:rule, sh:target, sh:validator...)
    or its object is one (``a sh:ConstraintComponent``, ``rdfs:subClassOf sh:SPARQLFunction``, ``rdfs:subPropertyOf
    sh:select``...), unless the predicate only names a property to match in the data (``sh:targetSubjectsOf
    sh:sparql``, ``sh:path sh:select``). The error names the node and the predicate; ``detail`` lists up to 20
    offending triples.
    """
    offending = sorted(
        ((s, p, o) for s, p, o in shapes if _is_code_term(p) or (_is_code_term(o) and p not in _NAMES_A_PROPERTY)),
        key=lambda t: (not isinstance(t[0], URIRef), str(t[0]), str(t[1]), str(t[2])),
    )
    if not offending:
        return
    node, predicate, obj = offending[0]
    what = f"<{predicate}>" if _is_code_term(predicate) else f"<{predicate}> <{obj}>"
    raise ShapesRejectedError(
        f"shapes from outside the project are data, not code: {_node_text(node)} has {what}; SHACL-SPARQL, "
        "SHACL-AF and SHACL-JS are allowed only in the project's own shapes",
        detail={"refused": [
            {"node": _node_text(s), "predicate": str(p), "object": _node_text(o)} for s, p, o in offending[:20]
        ]},
    )


def _node_text(node: rdflib.term.Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)[:200]


def validate(
    data: rdflib.Dataset | rdflib.Graph,
    shapes: rdflib.Graph,
    ontology: rdflib.Graph | None = None,
    context: rdflib.Graph | rdflib.Dataset | None = None,
    *,
    advanced: bool = True,
    plain: bool = False,
) -> ValidationReport:
    """Validate the data (default graph and named graphs) with the ontology and context available for class checks.

    `advanced` is for the project's own shapes only: it turns SHACL-AF on, and a failure to apply the shapes is then
    our fault (ShapesError, 500). Without it, the shapes are someone else's (already passed through
    :func:`check_shapes_are_data`) and a failure to apply them is theirs (ShapesRejectedError, 400).
    `plain` is standard SHACL on the data alone (the ontology and context must be None): every result is kept.
    """
    if plain and (ontology is not None or context is not None):
        raise ValueError("plain validation takes the data alone: no ontology, no context")
    mentioned: set[rdflib.term.Node] = set()
    for graph_name, triples in _graphs_of(data):
        if graph_name is not None:
            mentioned.add(graph_name)
        for s, _, o in triples:
            mentioned.add(s)
            mentioned.add(o)
    counts: dict[rdflib.term.Node, int] = {}
    triples = _flattened(data, counts if not plain else None)
    if context is not None:
        triples |= _flattened(context, counts)
    report_graph = _validated(triples | _markers(counts), shapes, ontology, advanced)

    kept_nodes = [node for node in _top_results(report_graph)
                  if plain or report_graph.value(node, SH.focusNode) in mentioned]
    if kept_nodes and context is not None and _has_triples(context):
        candidate = {triple for _, graph_triples in _graphs_of(data) for triple in graph_triples}
        counts = {}
        before = _flattened(context, counts, skip=candidate)
        old = _validated(before | _markers(counts), shapes, ontology, advanced)
        already = {_result_key(old, node) for node in _top_results(old)}
        kept_nodes = [node for node in kept_nodes if _result_key(report_graph, node) not in already]
    results = sorted(
        (_result_from(report_graph, node, shapes) for node in kept_nodes),
        key=lambda r: (r.focus_node, r.source_shape, r.path or "", r.message, r.value or ""),
    )
    unknown = unknown_terms(data, ontology) if ontology is not None else []
    results += unknown
    if plain:
        conforms = not results  # SHACL: a report conforms when it has no result, whatever the severity
    else:
        conforms = not any(result.severity == "Violation" for result in results)
    graph = _report_graph(report_graph, kept_nodes, conforms)
    for result in unknown:
        _add_result(graph, result)
    return ValidationReport(conforms=conforms, results=results, graph=graph)


_WITH_ONTOLOGY = threading.local()  # per thread: (ontology, a graph holding a copy of it, its size)


def _validated(triples: set, shapes: rdflib.Graph, ontology: rdflib.Graph | None, advanced: bool) -> rdflib.Graph:
    """The pySHACL report over `triples` and the ontology.

    Copying the ontology into a fresh graph for every call cost about 7 ms of a one-claim validation, so each thread
    keeps one graph holding the ontology: the triples are added for the run and taken out after it (pySHACL runs
    without inference or rules here, so it adds nothing; if the graph's size says otherwise, it is rebuilt).
    """
    if ontology is None:
        target = _PreparedQueryGraph()
        for triple in triples:
            target.add(triple)
        return _run_pyshacl(target, shapes, advanced)
    cached = getattr(_WITH_ONTOLOGY, "entry", None)
    if cached is None or cached[0] is not ontology:
        target = _PreparedQueryGraph()
        for triple in ontology:
            target.add(triple)
        cached = _WITH_ONTOLOGY.entry = (ontology, target, len(target))
    _, target, size = cached
    _WITH_ONTOLOGY.entry = None  # not shared while in use (a failure below leaves it out)
    added = [triple for triple in triples if triple not in target]
    for triple in added:
        target.add(triple)
    report = _run_pyshacl(target, shapes, advanced)
    for triple in added:
        target.remove(triple)
    if len(target) == size:
        _WITH_ONTOLOGY.entry = cached
    return report


def _run_pyshacl(target: rdflib.Graph, shapes: rdflib.Graph, advanced: bool) -> rdflib.Graph:
    """pySHACL over `target` (modified in place), offline; the report graph."""
    failure = ShapesError if advanced else ShapesRejectedError
    try:
        with no_network("validation"):
            _, report_graph, _ = pyshacl.validate(
                target,
                shacl_graph=shapes,
                advanced=advanced,
                inference="none",
                inplace=True,
                allow_infos=True,
                allow_warnings=True,
                do_owl_imports=False,
            )
    except (ReportableRuntimeError, ParseBaseException) as exc:
        raise failure(f"the shapes could not be applied: {exc}") from exc
    if not isinstance(report_graph, rdflib.Graph):  # pySHACL returns a ValidationFailure in place of the report
        raise failure(f"the shapes could not be applied: {report_graph}")
    return report_graph


def _top_results(report: rdflib.Graph) -> list[rdflib.term.Node]:
    """The results of a report (not those nested in another's sh:detail, as pySHACL gives for sh:node)."""
    roots = report.subjects(RDF.type, SH.ValidationReport)
    return [node for root in roots for node in report.objects(root, SH.result)]


def _has_triples(source: rdflib.Graph) -> bool:
    return any(next(iter(triples), None) is not None for _, triples in _graphs_of(source))


def _result_key(report: rdflib.Graph, node: rdflib.term.Node) -> tuple:
    """What makes two results the same one: focus node, path, value, shape, constraint component and severity."""
    return (
        report.value(node, SH.focusNode),
        _path_text(report, report.value(node, SH.resultPath)),
        report.value(node, SH.value),
        report.value(node, SH.sourceShape),
        report.value(node, SH.sourceConstraintComponent),
        report.value(node, SH.resultSeverity),
    )


OUR_NAMESPACE = "https://w3id.org/newskg/ontology#"
ONTOLOGY_TERMS_CHECK = NKGSH.OntologyTerms  # the source named on results about terms the ontology lacks


def unknown_terms(data: rdflib.Graph, ontology: rdflib.Graph) -> list[ValidationResult]:
    """A result for each term of our namespace that the data uses and the ontology does not define (a misspelling,
    most likely), with the closest defined term: "nkg:claimnt is not a term of the ontology; did you mean ...?"."""
    known = {str(s)[len(OUR_NAMESPACE):] for s in ontology.subjects() if str(s).startswith(OUR_NAMESPACE)}
    if not known:
        return []
    first_use: dict[str, tuple[rdflib.term.Node, str | None]] = {}
    for _, triples in _graphs_of(data):
        for s, p, o in triples:
            for term, focus, path in ((p, s, str(p)), (o, s, str(p)), (s, s, None)):
                if isinstance(term, URIRef) and str(term).startswith(OUR_NAMESPACE):
                    name = str(term)[len(OUR_NAMESPACE):]
                    if name not in known and name not in first_use:
                        first_use[name] = (focus, path)
    results = []
    for name, (focus, path) in sorted(first_use.items()):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) or difflib.get_close_matches(
            name.lower(), {k.lower(): k for k in known}, n=1, cutoff=0.6)
        suggestion = next((k for k in known if k.lower() == close[0].lower()), close[0]) if close else None
        hint = f"; did you mean nkg:{suggestion}?" if suggestion else ""
        results.append(ValidationResult(
            focus_node=str(focus), path=path, value=OUR_NAMESPACE + name, severity="Violation",
            message=f"nkg:{name} is not a term of the ontology{hint}", source_shape=str(ONTOLOGY_TERMS_CHECK),
        ))
    return results


def _add_result(graph: rdflib.Graph, result: ValidationResult) -> None:
    """Add a result found outside pySHACL to a sh:ValidationReport graph."""
    node = BNode()
    report = graph.value(None, RDF.type, SH.ValidationReport, any=True)
    graph.add((report, SH.result, node))
    graph.add((node, RDF.type, SH.ValidationResult))
    graph.add((node, SH.focusNode, URIRef(result.focus_node) if "://" in result.focus_node else BNode(result.focus_node)))
    if result.path:
        graph.add((node, SH.resultPath, URIRef(result.path)))
    graph.add((node, SH.value, URIRef(result.value)))
    graph.add((node, SH.resultSeverity, SH.Violation))
    graph.add((node, SH.resultMessage, Literal(result.message)))
    graph.add((node, SH.sourceShape, ONTOLOGY_TERMS_CHECK))


@lru_cache(maxsize=512)
def _prepared(query_text: str):
    return prepareQuery(query_text)


class _PreparedQueryGraph(rdflib.Graph):
    """A Graph that parses each distinct SPARQL query text once (pySHACL re-sends the text for every focus node)."""

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def _graphs_of(source: rdflib.Graph) -> Iterator[tuple[URIRef | None, Iterable]]:
    """(name, triples) for each graph of a source; name None for the default graph or a plain Graph."""
    if isinstance(source, ConjunctiveGraph):  # rdflib's Dataset is a ConjunctiveGraph
        default_graph = source.default_graph if isinstance(source, Dataset) else source.default_context
        default_id = default_graph.identifier
        contexts = source.graphs() if isinstance(source, Dataset) else source.contexts()
        for graph in contexts:
            if graph.identifier == default_id:
                yield None, graph.triples((None, None, None))
            else:
                yield graph.identifier, graph.triples((None, None, None))
    else:
        yield None, source.triples((None, None, None))


def _flattened(source: rdflib.Graph, counts: dict | None, *, skip: set | frozenset = frozenset()) -> set:
    """Every triple of every graph of source (but those in `skip`, and any graph-count marker). With `counts`,
    add the number of triples of each named graph to it, for :func:`_markers`."""
    flat: set = set()
    for graph_name, triples in _graphs_of(source):
        count = 0
        for triple in triples:
            if counts is not None and triple[1] == GRAPH_TRIPLE_COUNT:
                continue
            if triple in skip:
                continue
            flat.add(triple)
            count += 1
        if graph_name is not None and counts is not None:
            counts[graph_name] = counts.get(graph_name, 0) + count
    return flat


def _markers(counts: dict) -> set:
    """``G nkgsh:graphTripleCount N`` for each named graph ``G`` holding ``N`` triples."""
    return {(name, GRAPH_TRIPLE_COUNT, Literal(count, datatype=XSD.integer)) for name, count in counts.items()}


def _text(node: rdflib.term.Node | None) -> str | None:
    return None if node is None else str(node)


def _result_from(report: rdflib.Graph, node: rdflib.term.Node, shapes: rdflib.Graph) -> ValidationResult:
    severity = report.value(node, SH.resultSeverity)
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    path = report.value(node, SH.resultPath)
    return ValidationResult(
        focus_node=str(report.value(node, SH.focusNode)),
        path=_path_text(report, path),
        value=_text(report.value(node, SH.value)),
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        message=" / ".join(messages),
        source_shape=_shape_name(shapes, report.value(node, SH.sourceShape)),
        source_constraint_component=_text(report.value(node, SH.sourceConstraintComponent)),
    )


def _path_text(report: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    """An IRI path as its IRI; a complex path (a blank node) in SPARQL property-path syntax."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        members = rdflib.collection.Collection(report, alternatives)
        return "|".join(f"<{member}>" for member in members)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^<{inverse}>"
    return str(path)


def _shape_name(shapes: rdflib.Graph, shape: rdflib.term.Node | None) -> str:
    """The shape's IRI; for a blank property shape, the IRI of the node shape holding it."""
    if shape is None:
        return ""
    if isinstance(shape, URIRef):
        return str(shape)
    for parent in shapes.subjects(SH.property, shape):
        if isinstance(parent, URIRef):
            return str(parent)
    return str(shape)


def _report_graph(report: rdflib.Graph, kept: list[rdflib.term.Node], conforms: bool) -> rdflib.Graph:
    """A sh:ValidationReport graph holding only the kept results (with their blank-node paths and details)."""
    graph = rdflib.Graph()
    for prefix, namespace in report.namespaces():
        graph.bind(prefix, namespace)
    graph.bind("sh", SH)
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(conforms)))
    for node in kept:
        graph.add((root, SH.result, node))
        _copy_closure(report, graph, node, set())
    return graph


def _copy_closure(source: rdflib.Graph, target: rdflib.Graph, node: rdflib.term.Node, seen: set) -> None:
    if node in seen:
        return
    seen.add(node)
    for _, predicate, obj in source.triples((node, None, None)):
        target.add((node, predicate, obj))
        if isinstance(obj, BNode):
            _copy_closure(source, target, obj, seen)
