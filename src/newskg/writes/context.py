"""Validation in context: the stored descriptions of the resources a candidate refers to.

Validating a candidate alone gives false violations (referenced nodes look untyped); validating it merged into the
whole store does not scale (performance study). The context is the middle way: for every IRI the candidate
mentions, its stored description (outgoing triples in the default graph and in named graphs), then the descriptions of what those
point to (two hops: a claim's time span and its bounds, an event's place), and the named graphs the candidate
names or refers to (so a stored claim graph counts as non-empty). Bounded by `MAX_NODES` per hop.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.term import URIRef

from newskg.core.rdfio import quads_to_dataset
from newskg.sparql.terms import iri_list, is_iri
from newskg.stores.interface import Store
from newskg.writes.candidate import mentioned_iris

MAX_NODES = 2_000
_CHUNK = 200
_DEFAULT = ox.DefaultGraph()


def _iris(terms) -> set[str]:
    return {str(t) for t in terms if isinstance(t, URIRef)}


_ONTOLOGY_TERMS: list = [(None, 0, frozenset())]  # [(the ontology graph, its size, the IRIs it describes)]


def ontology_terms(ontology: rdflib.Graph) -> frozenset[str]:
    """The IRIs the ontology describes (never looked up in the store), computed once per ontology graph (parsed
    once per file version, read-only)."""
    graph, size, found = _ONTOLOGY_TERMS[0]
    if graph is not ontology or size != len(ontology):
        found = frozenset(_iris(ontology.subjects()))
        _ONTOLOGY_TERMS[0] = (ontology, len(ontology), found)  # one assignment: safe across threads
    return found


def _describe(store: Store, iris: list[str], into: dict) -> set[str]:
    """Add the descriptions of `iris` to `into` (their triples in the default graph, and in the named graphs that
    say more of them: an order's orderer lives in the claim graph that reports it); return the IRIs they point to."""
    pointed: set[str] = set()
    for start in range(0, len(iris), _CHUNK):
        values = iri_list(i for i in iris[start : start + _CHUNK] if is_iri(i))  # no other IRI can be stored
        result = store.query(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                             f"{{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}")
        for row in result.rows():
            obj = row["o"]
            into[ox.Quad(row["s"], row["p"], obj, row["g"] if "g" in row else _DEFAULT)] = None
            if isinstance(obj, ox.NamedNode):
                pointed.add(obj.value)
    return pointed


def _named_graphs(store: Store, iris: list[str], into: dict) -> None:
    for start in range(0, len(iris), _CHUNK):
        values = iri_list(i for i in iris[start : start + _CHUNK] if is_iri(i))  # no other IRI can be stored
        result = store.query(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        for row in result.rows():
            into[ox.Quad(row["s"], row["p"], row["o"], row["g"])] = None


def stored_context(store: Store, candidate, ontology: rdflib.Graph, exclude_graphs=()) -> rdflib.Dataset:
    """The stored descriptions of what the candidate (pyoxigraph quads, or an rdflib Dataset) mentions, two hops
    deep, and the graphs it names, as an rdflib Dataset (for benchmarks and callers that work in rdflib)."""
    if isinstance(candidate, rdflib.Dataset):
        mentioned: set[str] = set()
        for s, p, o, g in candidate.quads((None, None, None, None)):
            mentioned |= _iris((s, o))
            if g is not None and isinstance(g, URIRef) and str(g) != str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID):
                mentioned.add(str(g))
    else:
        mentioned = set(mentioned_iris(candidate))
    return context_of(store, mentioned, ontology, exclude_graphs)


def context_quads(store: Store, mentioned, ontology: rdflib.Graph, exclude_graphs=()) -> list:
    """The stored descriptions of the `mentioned` IRIs, two hops deep, and the named graphs among them, as
    pyoxigraph quads (each once), straight from the store's answers: no rdflib term is made here."""
    found: dict = {}  # an ordered set
    known = ontology_terms(ontology)
    first = sorted(set(mentioned) - known)[:MAX_NODES]
    pointed = _describe(store, first, found)
    second = sorted(pointed - known - set(first))[:MAX_NODES]
    _describe(store, second, found)
    excluded = set(exclude_graphs)
    _named_graphs(store, [iri for iri in first if iri not in excluded], found)
    return list(found)


def context_nquads(store: Store, mentioned, ontology: rdflib.Graph, exclude_graphs=()) -> str:
    """:func:`context_quads` as N-Quads text, the form the context takes into the sandbox."""
    quads = context_quads(store, mentioned, ontology, exclude_graphs)
    return (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode() if quads else ""


def context_of(store: Store, mentioned: set[str], ontology: rdflib.Graph, exclude_graphs=()) -> rdflib.Dataset:
    """:func:`context_quads` as an rdflib Dataset."""
    return quads_to_dataset(context_quads(store, mentioned, ontology, exclude_graphs))
