"""The untrusted work itself, as plain functions of bytes and text: what the sandbox workers run.

Each takes and returns only picklable values (RDF travels as N-Quads / N-Triples text), so the same function runs
in a worker process under limits (the server) or in-process (the CLI, on the operator's own files). Nothing here
touches the live store: an update is pre-run on a scratch copy that the caller made.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib

from newskg.writes import assertions
from newskg.core.errors import BadRequestError, QuerySyntaxError, StoreError
from newskg.core.rdfio import from_rdflib, parse_quads, quads_to_dataset, to_rdflib
from newskg.writes.reasoning import entailments, rdfs_entailments
from newskg.sparql.endpoint import service_failure
from newskg.writes import validation
from newskg.writes.candidate import Candidate
from newskg.writes.validation import ValidationResult, load_shapes, validate


@dataclass(frozen=True)
class ShapesInput:
    """Which shapes to validate with: the project's (trusted, SHACL-SPARQL allowed), or someone else's (data only).

    `text` is N-Triples (a stored shapes graph) or the uploaded bytes in `media_type`; None means the project's.
    """

    text: bytes | str | None = None
    media_type: str = "application/n-triples"
    trusted: bool = False
    base_iri: str | None = None  # for relative IRIs in an uploaded text


@dataclass
class CheckOutcome:
    """A validation report (and, for writes, the candidate's entailments and inconsistencies)."""

    conforms: bool
    results: list[ValidationResult]
    report_text: str | None = None
    entailed_nt: str | None = None
    inconsistencies: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """{"conforms": ..., "results": [...]}, the body of /validate and of a 422."""
        return {"conforms": self.conforms, "results": [result.to_json() for result in self.results]}


def _format(media_type: str):
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise BadRequestError(f"unsupported RDF media type {media_type!r}")
    return fmt


def parse_candidate(data: bytes, media_type: str, base_iri: str | None = None) -> Candidate:
    """Parse request data in any RDF syntax into a candidate (400 with line and column on a syntax error)."""
    return Candidate.from_quads(parse_quads(data, _format(media_type), base_iri=base_iri))


def prepare_assertion(data: bytes, media_type: str, base_iri: str | None = None) -> Candidate:
    """Parse and canonicalise a submitted assertion: a candidate of skolemised quads, with content hash and id."""
    return assertions.prepare(data, _format(media_type), base_iri=base_iri)


def _dataset(nquads: str) -> rdflib.Dataset:
    return quads_to_dataset(ox.parse(nquads, ox.RdfFormat.N_QUADS)) if nquads else rdflib.Dataset()


def _graph(text: bytes | str, media_type: str, base_iri: str | None = None) -> rdflib.Graph:
    graph = rdflib.Graph()
    for quad in parse_quads(text, _format(media_type), base_iri=base_iri):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def _shapes(shapes: ShapesInput | None) -> tuple[rdflib.Graph, bool]:
    """The shapes graph and whether SHACL-SPARQL may run (only the project's own shapes)."""
    if shapes is None or shapes.text is None:
        return _project_shapes(), True
    graph = _graph(shapes.text, shapes.media_type, shapes.base_iri)
    if not shapes.trusted:
        validation.check_shapes_are_data(graph)
    return graph, shapes.trusted


_PROJECT_SHAPES: dict[tuple[str, float], rdflib.Graph] = {}


def _project_shapes() -> rdflib.Graph:
    from newskg.writes.validation import find_shapes_file

    path = find_shapes_file()
    key = (str(path), path.stat().st_mtime)
    if key not in _PROJECT_SHAPES:
        _PROJECT_SHAPES.clear()
        _PROJECT_SHAPES[key] = load_shapes(path)
    return _PROJECT_SHAPES[key]


def _ontology(path: str) -> rdflib.Graph:
    from newskg.core.ontology import _parse

    return _parse(Path(path), Path(path).stat().st_mtime)


def _default_triples(dataset: rdflib.Dataset) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in dataset.default_graph:
        graph.add(triple)
    return graph


def check(
    candidate_nq: str,
    context_nq: str,
    *,
    ontology_path: str,
    inference: str = "none",
    shapes: ShapesInput | None = None,
    plain: bool = False,
    reasoner: str | None = None,
    report_format: str | None = None,
) -> CheckOutcome:
    """Validate a candidate in its context; with `reasoner`, also its OWL 2 RL entailments and inconsistencies.

    `plain` validates the candidate alone (no ontology, no context), as a user with their own shapes may ask.
    """
    candidate = _dataset(candidate_nq)
    context = _dataset(context_nq) if not plain else rdflib.Dataset()
    ontology = _ontology(ontology_path) if not plain else None
    shapes_graph, trusted = _shapes(shapes)
    if inference != "none":
        base = _default_triples(candidate)
        for triple in context.default_graph:
            base.add(triple)
        if inference == "rdfs":
            extra = rdfs_entailments(base + ontology if ontology is not None else base)
        else:
            extra = entailments(base, ontology if ontology is not None else rdflib.Graph(), "auto").triples
        for triple in extra:
            context.default_graph.add(triple)
    options = {} if trusted else {"advanced": False}  # SHACL-SPARQL runs only from the project's own shapes
    report = validate(candidate, shapes_graph, ontology=ontology, context=None if plain else context, plain=plain,
                      **options)
    outcome = CheckOutcome(report.conforms, report.results)
    if report_format:
        outcome.report_text = report.graph.serialize(format=report_format)
    if reasoner and report.conforms:
        found = entailments(set(candidate.default_graph) | set(context.default_graph), ontology, reasoner)
        outcome.inconsistencies = found.inconsistencies
        outcome.entailed_nt = _entailed_nt(found.triples)
    return outcome


def _entailed_nt(triples) -> str:
    return "".join(" ".join(str(from_rdflib(term)) for term in triple) + " .\n" for triple in sorted(triples))


def entail(context_nq: str, *, ontology_path: str, reasoner: str) -> tuple[str, list[str]]:
    """The OWL 2 RL entailments of the default graph of some stored data: (N-Triples, inconsistencies)."""
    found = entailments(_default_triples(_dataset(context_nq)), _ontology(ontology_path), reasoner)
    return _entailed_nt(found.triples), found.inconsistencies


BOUND_ROWS = 20_000


def bound_by_where(store, prologue: str, where_groups: list[str], base_iri: str | None) -> set[str]:
    """The IRIs an update's WHERE patterns bind in `store` (the resources it may change), at most 20,000 each."""
    return where_bindings(store, prologue, where_groups, base_iri)[0]


def where_bindings(store, prologue: str, where_groups: list[str], base_iri: str | None) -> tuple[set[str], bool]:
    """The IRIs an update's WHERE patterns bind in `store`, and whether that is all they bind (no group cut at
    20,000 rows, unreadable alone, or binding a blank node)."""
    bound: set[str] = set()
    complete = True
    for group in where_groups:
        query = f"{prologue}\nSELECT * WHERE {group} LIMIT {BOUND_ROWS}"
        try:
            rows = store.query(query, base_iri=base_iri).rows()
        except QuerySyntaxError:
            complete = False
            continue  # a pattern that needs its operation's USING/WITH context: its IRIs are in the update's own
        complete = complete and len(rows) < BOUND_ROWS
        for row in rows:
            for term in row.values():
                if isinstance(term, ox.NamedNode):
                    bound.add(term.value)
                elif isinstance(term, ox.BlankNode):
                    complete = False
    return bound, complete


def apply_update(folder: str, sparql: str, base_iri: str | None, prologue: str,
                 where_groups: list[str]) -> tuple[set[str], bool]:
    """Pre-run an update on a scratch copy of the store; the IRIs its WHERE patterns bound before it ran, and
    whether that is all of them (see where_bindings).

    The caller validates what the update touched in the copy, then commits the same update to the store.
    """
    from newskg.stores.embedded import OxigraphStore

    scratch = OxigraphStore(Path(folder))
    try:
        bound = where_bindings(scratch, prologue, where_groups, base_iri)
        scratch.update(sparql, base_iri=base_iri)
        scratch.flush()
    except StoreError as exc:
        failure = service_failure(exc)  # a SERVICE endpoint that failed is a 502 (504), not our fault
        if failure is None:
            raise
        raise failure from exc
    finally:
        scratch.close()
    return bound


def apply_update_in_memory(nquads: str, sparql: str, base_iri: str | None) -> str:
    """Apply an update to an in-memory copy of the given quads; everything it holds afterwards, as N-Quads."""
    from newskg.stores.embedded import OxigraphStore

    scratch = OxigraphStore()
    try:
        if nquads:
            scratch.load(nquads, ox.RdfFormat.N_QUADS)
        scratch.update(sparql, base_iri=base_iri)
        out = io.BytesIO()
        scratch.dump(out, ox.RdfFormat.N_QUADS)
        return out.getvalue().decode()
    finally:
        scratch.close()


TASKS = {
    "parse_candidate": parse_candidate,
    "prepare_assertion": prepare_assertion,
    "check": check,
    "apply_update": apply_update,
    "apply_update_in_memory": apply_update_in_memory,
    "entail": entail,
}
