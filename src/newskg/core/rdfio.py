"""Parsing RDF into rdflib with pyoxigraph's parsers (fast, and errors carry line and column)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Literal, URIRef

from newskg.core.errors import RdfSyntaxError, UnsupportedMediaTypeError
from newskg.sparql.formats import format_for_path


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
    if rdf_format == ox.RdfFormat.RDF_XML:
        check_xml_entities(data)
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


# RDF/XML's DTD, as pyoxigraph reads it: it expands every <!ENTITY name "value"> of any DOCTYPE, values nested in
# values included (a 1 KB "billion laughs" grows to gigabytes), and refuses external (SYSTEM/PUBLIC) entities. We
# keep the plain declarations Protégé writes (<!ENTITY owl "http://www.w3.org/2002/07/owl#">) and refuse the rest
# before the parser sees the bytes. The search is deliberately broader than the parser's (any case, anywhere in the
# text, comments included), so nothing the parser would expand escapes it.
ENTITY_EXPANSION_FLOOR_BYTES = 1 << 20
ENTITY_EXPANSION_PER_BYTE = 8
_XML_SPACE = "[ \t\r\n]"
_DTD_MARKUP = re.compile(r"<!(?:doctype|entity)", re.IGNORECASE)
_DTD_MARKUP_BYTES = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!doctype", re.IGNORECASE)
_INTERNAL_DOCTYPE = re.compile(rf"<!DOCTYPE{_XML_SPACE}+[^\s\[>]+{_XML_SPACE}*[\[>]", re.IGNORECASE)
_ENTITY = re.compile(r"<!entity", re.IGNORECASE)
_PLAIN_ENTITY = re.compile(rf'<!ENTITY{_XML_SPACE}+([^\W\d][\w.:-]*){_XML_SPACE}+"([^"&%<]*)"{_XML_SPACE}*>')
_REFERENCE = re.compile(r"&([^&;\s<>\"']+);")


def check_xml_entities(data: bytes | str) -> None:
    """Refuse (400) an RDF/XML document whose DTD could expand without bound or reach outside the document.

    Allowed: internal DOCTYPEs declaring plain entities (a double-quoted value without `&`, `<` or `%`) whose
    references add at most ENTITY_EXPANSION_PER_BYTE bytes (UTF-8) per byte of the document, and
    ENTITY_EXPANSION_FLOOR_BYTES whatever its size. Refused: external DTDs and entities (SYSTEM, PUBLIC),
    parameter entities, entities in entities.
    """
    if _DTD_MARKUP_BYTES.search(data) if isinstance(data, bytes) else _DTD_MARKUP.search(data):
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        longest = _declared_entities(text)
        if longest:
            counts = Counter(_REFERENCE.findall(text))
            expansion = sum(counts[name] * length for name, length in longest.items())
            allowed = max(ENTITY_EXPANSION_FLOOR_BYTES, ENTITY_EXPANSION_PER_BYTE * len(data))
            if expansion > allowed:
                raise RdfSyntaxError(
                    f"unsafe DTD in RDF/XML: its entity references would expand to {expansion} bytes; at most "
                    f"{allowed} are allowed for a document of this size"
                )


def _declared_entities(text: str) -> dict[str, int]:
    """The plain entities a DTD declares, each with its longest value's UTF-8 length; RdfSyntaxError for the rest."""
    for doctype in _DOCTYPE.finditer(text):
        if not _INTERNAL_DOCTYPE.match(text, doctype.start()):
            raise _dtd_error(text, doctype.start(), "an external DTD (SYSTEM or PUBLIC) is not allowed")
    longest: dict[str, int] = {}
    for entity in _ENTITY.finditer(text):
        declaration = _PLAIN_ENTITY.match(text, entity.start())
        if declaration is None:
            raise _dtd_error(text, entity.start(), _why_not_plain(text[entity.start() : entity.start() + 2000]))
        name, value = declaration.groups()
        longest[name] = max(longest.get(name, 0), len(value.encode("utf-8")))
    return longest


def _why_not_plain(declaration: str) -> str:
    """Why an entity declaration is refused, for the error message."""
    head = declaration.split(">", 1)[0]
    words = head.split()
    if len(words) > 1 and words[1].startswith("%"):
        reason = "a parameter entity"
    elif re.search(r"\b(SYSTEM|PUBLIC)\b", head.split('"', 1)[0]):
        reason = "an external entity (SYSTEM or PUBLIC)"
    elif re.search(r'"[^"]*[&%][^"]*"', head):
        reason = "an entity whose value refers to other entities"
    else:
        reason = "an entity declaration that is not plain"
    return f'{reason} is not allowed; only <!ENTITY name "value"> with no &, < or % in the value'


def _dtd_error(text: str, offset: int, reason: str) -> RdfSyntaxError:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return RdfSyntaxError(f"unsafe DTD in RDF/XML: {reason}", line=line, column=column)


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
    """pyoxigraph quads as an rdflib Dataset (default graph plus named graphs); each distinct term is converted
    once (the same IRIs recur on every line of a description)."""
    dataset = rdflib.Dataset()
    converted: dict = {}
    graphs: dict = {}

    def term(value):
        found = converted.get(value)
        if found is None:
            found = converted[value] = to_rdflib(value)
        return found

    for quad in quads:
        name = quad.graph_name
        if isinstance(name, ox.DefaultGraph):
            graph = dataset.default_graph
        else:
            graph = graphs.get(name)
            if graph is None:
                graph = graphs[name] = dataset.graph(to_rdflib(name))
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
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
