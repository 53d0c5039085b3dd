"""Parsing RDF into rdflib with pyoxigraph's parsers (fast, and errors carry line and column)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Literal, URIRef

from .errors import RdfSyntaxError, UnsupportedMediaTypeError
from .sparql.formats import format_for_path


def to_rdflib(term):
    """One pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.DefaultGraph):
        return rdflib.graph.DATASET_DEFAULT_GRAPH_ID
    raise RdfSyntaxError(f"unsupported RDF term {term!r} (RDF-star is not supported)")


def parse_quads(data: bytes | str, rdf_format, *, into_graph: str | None = None, base_iri: str | None = None) -> list:
    """Parse any RDF syntax into pyoxigraph quads; with `into_graph` ("" = default), every triple goes there.

    A dataset syntax (TriG, N-Quads) sent to one graph is refused: its graph names would be lost.
    """
    if into_graph is not None and rdf_format.supports_datasets:
        raise UnsupportedMediaTypeError(f"{rdf_format.name} carries named graphs; send triples to one graph")
    try:
        quads = list(ox.parse(data, rdf_format, base_iri=base_iri))
    except SyntaxError as exc:
        raise RdfSyntaxError(str(exc), line=getattr(exc, "lineno", None), column=getattr(exc, "offset", None)) from exc
    except ValueError as exc:
        raise RdfSyntaxError(str(exc)) from exc
    if into_graph is None:
        return quads
    target = ox.DefaultGraph() if into_graph == "" else ox.NamedNode(into_graph)
    return [ox.Quad(q.subject, q.predicate, q.object, target) for q in quads]


def from_rdflib(term):
    """One rdflib term as the equal pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or rdflib.XSD.string)))


def quads_to_dataset(quads) -> rdflib.Dataset:
    """pyoxigraph quads as an rdflib Dataset (default graph plus named graphs)."""
    dataset = rdflib.Dataset()
    for quad in quads:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            graph = dataset.default_graph
        else:
            graph = dataset.graph(to_rdflib(quad.graph_name))
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return dataset


def quads_as_insert_data(quads) -> str:
    """The body of a SPARQL INSERT DATA / DELETE DATA block holding these quads."""
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        by_graph.setdefault(key, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    parts = []
    for key, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(body if key == "" else f"GRAPH {key} {{\n{body}\n}}")
    return "\n".join(parts)


def parse_dataset(data: bytes | str, rdf_format, *, base_iri: str | None = None) -> rdflib.Dataset:
    """Parse any RDF syntax into an rdflib Dataset (default graph plus named graphs); 400 with position on error."""
    return quads_to_dataset(parse_quads(data, rdf_format, base_iri=base_iri))


def parse_graph(data: bytes | str, rdf_format) -> rdflib.Graph:
    """Parse RDF into one rdflib Graph (every triple, whatever graph it came in)."""
    graph = rdflib.Graph()
    for quad in parse_quads(data, rdf_format):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def parse_rdf_file(path: Path) -> rdflib.Dataset:
    """Parse an RDF file, its syntax taken from the extension."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RdfSyntaxError(f"cannot read {path}: {exc}") from exc
    return parse_dataset(data, format_for_path(path), base_iri=path.resolve().as_uri())
