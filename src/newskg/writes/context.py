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

from newskg.core.rdfio import to_rdflib
from newskg.sparql.terms import iri_list, is_iri
from newskg.stores.interface import Store

MAX_NODES = 2_000
_CHUNK = 200


def _iris(terms) -> set[str]:
    return {str(t) for t in terms if isinstance(t, URIRef)}


def _describe(store: Store, iris: list[str], into: rdflib.Dataset) -> set[str]:
    """Add the descriptions of `iris` to `into` (their triples in the default graph, and in the named graphs that
    say more of them: an order's orderer lives in the claim graph that reports it); return the IRIs they point to."""
    pointed: set[str] = set()
    for start in range(0, len(iris), _CHUNK):
        values = iri_list(i for i in iris[start : start + _CHUNK] if is_iri(i))  # no other IRI can be stored
        result = store.query(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                             f"{{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}")
        for row in result.rows():
            triple = (to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"]))
            (into.graph(URIRef(row["g"].value)) if "g" in row else into.default_graph).add(triple)
            if isinstance(triple[2], URIRef):
                pointed.add(str(triple[2]))
    return pointed


def _named_graphs(store: Store, iris: list[str], into: rdflib.Dataset) -> None:
    for start in range(0, len(iris), _CHUNK):
        values = iri_list(i for i in iris[start : start + _CHUNK] if is_iri(i))  # no other IRI can be stored
        result = store.query(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        for row in result.rows():
            graph = into.graph(URIRef(row["g"].value))
            graph.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))


def stored_context(store: Store, candidate: rdflib.Dataset, ontology: rdflib.Graph, exclude_graphs=()) -> rdflib.Dataset:
    """The stored descriptions of what the candidate mentions, two hops deep, and the graphs it names."""
    mentioned: set[str] = set()
    for s, p, o, g in candidate.quads((None, None, None, None)):
        mentioned |= _iris((s, o))
        if g is not None and isinstance(g, URIRef) and str(g) != str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID):
            mentioned.add(str(g))
    return context_of(store, mentioned, ontology, exclude_graphs)


def mentioned_iris(quads) -> set[str]:
    """The IRIs that pyoxigraph quads mention as subject, object or graph name."""
    return {term.value for q in quads for term in (q.subject, q.object, q.graph_name) if isinstance(term, ox.NamedNode)}


def context_of(store: Store, mentioned: set[str], ontology: rdflib.Graph, exclude_graphs=()) -> rdflib.Dataset:
    """The stored descriptions of the `mentioned` IRIs, two hops deep, and the named graphs among them."""
    context = rdflib.Dataset()
    ontology_terms = _iris(ontology.subjects())
    first = sorted(mentioned - ontology_terms)[:MAX_NODES]
    pointed = _describe(store, first, context)
    second = sorted(pointed - ontology_terms - set(first))[:MAX_NODES]
    _describe(store, second, context)
    graphs = [iri for iri in first if iri not in set(exclude_graphs)]
    _named_graphs(store, graphs, context)
    return context
