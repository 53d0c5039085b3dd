"""OWL 2 RL reasoning: entailments of ontology + data, kept apart from asserted data, and consistency checks.

Two engines compute the same data-level closure: owlrl (the reference, pure Python) and `reasonable` (a Rust
OWL 2 RL reasoner). On the article (ontology + default graph, 1.5k triples) both give the same 324 data-level
entailments (tests/unit/test_reasoning.py), owlrl in about 2 s and reasonable in about 0.05 s; the performance
study found the same equality at 10k and 100k with reasonable 13-35x faster. So `auto` (the default) uses
reasonable, falling back to owlrl where reasonable is not installed; owlrl stays selectable as the reference
(NEWSKG_REASONER=owlrl), and `bench/reasoning_bench.py` measures both. Only data-level entailments are kept: triples
about ontology terms, `rdf:type owl:Thing`, reflexive `owl:sameAs`, literal subjects and owlrl's datatype
typings are dropped. Inconsistency is decided by the OWL 2 RL rules whose head is `false` (cax-dw, cax-adc,
cls-nothing2, cls-com, prp-irp, prp-asyp, prp-pdw, prp-adp, eq-diff1, prp-npa1/2), evaluated by SPARQL over the
closure, so both engines are checked the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF
from rdflib.term import BNode, Literal, URIRef

from newskg.core.errors import NewsKGError
from newskg.core.rdfio import from_rdflib

ENGINES = ("auto", "owlrl", "reasonable")
_OWLRL_ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"


@dataclass
class Entailments:
    """What a closure added (data level), what is inconsistent, and how it was computed."""

    triples: set = field(default_factory=set)
    inconsistencies: list[str] = field(default_factory=list)
    engine: str = ""
    seconds: float = 0.0


def _reasonable_available() -> bool:
    try:
        import reasonable  # noqa: F401
    except ImportError:
        return False
    return True


def _closure_owlrl(graph, semantics: str = "OWLRL_Semantics") -> set:
    """The closure of a graph (or any iterable of rdflib triples)."""
    import owlrl

    work = rdflib.Graph()
    for triple in graph:
        work.add(triple)
    owlrl.DeductiveClosure(getattr(owlrl, semantics)).expand(work)  # owlrl mutates: work on a copy
    return set(work)


def rdfs_entailments(graph: rdflib.Graph) -> set:
    """What the RDFS closure adds to a graph (owlrl's RDFS semantics), for validation with inference=rdfs."""
    return _closure_owlrl(graph, "RDFS_Semantics") - set(graph)


def _closure_reasonable(triples) -> set:
    """The closure of a graph (or any iterable of rdflib triples: the reasoner takes a list as well as a Graph)."""
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(triples if isinstance(triples, rdflib.Graph) else list(triples))
    return set(reasoner.reason())


_SCHEMA_PREDICATES = {
    rdflib.RDFS.subClassOf, rdflib.RDFS.subPropertyOf, rdflib.RDFS.domain, rdflib.RDFS.range,
    OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith, OWL.propertyDisjointWith,
}
_SCHEMA_TYPES = {
    OWL.Class, rdflib.RDFS.Class, rdflib.RDFS.Datatype, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, RDF.Property, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.Restriction, OWL.Ontology,
}
_W3C_NAMESPACES = (str(RDF), str(rdflib.RDFS), str(OWL), str(rdflib.XSD))


def _normalise(triple):
    """xsd:string literals as plain literals, so both engines' output compares equal (RDF 1.1)."""
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == rdflib.XSD.string:
        o = Literal(str(o))
    return s, p, o


def _keep(triple, ontology_terms: set) -> bool:
    s, p, o = triple
    if isinstance(s, Literal) or s in ontology_terms or str(s).startswith(_W3C_NAMESPACES):
        return False
    if p in _SCHEMA_PREDICATES or (p == RDF.type and o in _SCHEMA_TYPES):
        return False
    if str(s).startswith(_OWLRL_ERROR_NS) or str(p).startswith(_OWLRL_ERROR_NS):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if p == RDF.type and o in (OWL.Thing, rdflib.RDFS.Resource):
        return False
    if p == RDF.type and isinstance(s, BNode) and isinstance(o, URIRef) and str(o).startswith(str(rdflib.XSD)):
        return False
    return True


_FALSE_RULES = {
    "disjoint classes (cax-dw)": """
        SELECT ?x ?a ?b WHERE { ?a owl:disjointWith ?b . ?x a ?a , ?b }""",
    "all-disjoint classes (cax-adc)": """
        SELECT ?x ?a ?b WHERE { ?d a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?a , ?b .
                                FILTER(?a != ?b) ?x a ?a , ?b }""",
    "member of owl:Nothing (cls-nothing2)": """
        SELECT ?x ?a ?b WHERE { ?x a owl:Nothing . BIND(owl:Nothing AS ?a) BIND(owl:Nothing AS ?b) }""",
    "complement classes (cls-com)": """
        SELECT ?x ?a ?b WHERE { ?a owl:complementOf ?b . ?x a ?a , ?b }""",
    "irreflexive property (prp-irp)": """
        SELECT ?x ?a ?b WHERE { ?a a owl:IrreflexiveProperty . ?x ?a ?x . BIND(?x AS ?b) }""",
    "asymmetric property (prp-asyp)": """
        SELECT ?x ?a ?b WHERE { ?a a owl:AsymmetricProperty . ?x ?a ?b . ?b ?a ?x }""",
    "disjoint properties (prp-pdw)": """
        SELECT ?x ?a ?b WHERE { ?a owl:propertyDisjointWith ?b . ?x ?a ?o . ?x ?b ?o }""",
    "same and different (eq-diff1)": """
        SELECT ?x ?a ?b WHERE { ?x owl:sameAs ?a . ?x owl:differentFrom ?a . BIND(?a AS ?b) }""",
    "negative property assertion (prp-npa)": """
        SELECT ?x ?a ?b WHERE { ?n owl:sourceIndividual ?x ; owl:assertionProperty ?a .
            { ?n owl:targetIndividual ?b } UNION { ?n owl:targetValue ?b } ?x ?a ?b }""",
}
_PREFIXES = "PREFIX owl: <http://www.w3.org/2002/07/owl#>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"


def inconsistencies(closure: set) -> list[str]:
    """Why a closure is inconsistent under OWL 2 RL (empty when it is consistent)."""
    store = ox.Store()
    converted: dict = {}  # each distinct term once: the same IRIs recur all over a closure

    def term(value):
        found = converted.get(value)
        if found is None:
            found = converted[value] = from_rdflib(value)
        return found

    default = ox.DefaultGraph()
    store.extend(ox.Quad(term(s), term(p), term(o), default) for s, p, o in closure if not isinstance(s, Literal))
    found = []
    for rule, query in _FALSE_RULES.items():
        for row in store.query(_PREFIXES + query):
            found.append(f"{rule}: <{row['x'].value}> with <{row['a'].value}> and <{row['b'].value}>")
    return sorted(set(found))


_ONTOLOGY_PARTS: list = [(None, None)]  # [(the ontology graph, what entailments() needs of it)]: one entry


def _ontology_parts(ontology: rdflib.Graph) -> tuple[frozenset, frozenset, frozenset]:
    """The ontology's triples, the terms it describes and its triples normalised, computed once per ontology graph
    (it is parsed once per file version and treated as read-only) instead of copied on every call."""
    graph, parts = _ONTOLOGY_PARTS[0]
    if graph is not ontology or len(parts[0]) != len(ontology):
        triples = frozenset(ontology)
        parts = (triples, frozenset(ontology.subjects()), frozenset(_normalise(t) for t in triples))
        _ONTOLOGY_PARTS[0] = (ontology, parts)  # one assignment: another thread sees the old entry or this one
    return parts


def entailments(data, ontology: rdflib.Graph, engine: str = "auto") -> Entailments:
    """The data-level OWL 2 RL entailments of ontology + data (an rdflib Graph, or any iterable of rdflib triples)
    that neither already states."""
    if engine not in ENGINES:
        raise NewsKGError(f"unknown reasoner {engine!r}; choose one of {', '.join(ENGINES)}")
    ontology_triples, ontology_terms, ontology_stated = _ontology_parts(ontology)
    data_triples = set(data)
    base = ontology_triples | data_triples
    chosen = engine if engine != "auto" else ("reasonable" if _reasonable_available() else "owlrl")
    started = time.perf_counter()
    closure = {_normalise(t) for t in (_closure_owlrl(base) if chosen == "owlrl" else _closure_reasonable(base))}
    stated = ontology_stated | {_normalise(t) for t in data_triples}
    added = {t for t in closure - stated if _keep(t, ontology_terms)}
    problems = inconsistencies(closure | base)
    return Entailments(added, problems, chosen, time.perf_counter() - started)
