"""Parsing SPARQL results and RDF, and comparing them by the W3C rules.

Results are equal up to blank-node renaming (one consistent mapping over the whole result), literals by value
(the W3C README's rule: "1.0"^^xsd:decimal equals "1"^^xsd:decimal and "3.0E4"^^xsd:double equals
"30000"^^xsd:double, but a decimal never equals an integer: the datatype must be the same), every other term by
RDF term equality, and in order only where the query has ORDER BY. Graphs are compared with
rdflib.compare.isomorphic, literals normalised by rdflib to their canonical form (the same value rule).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

RESULT_MEDIA = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RESULT_EXTENSIONS = {".srj": ox.QueryResultsFormat.JSON, ".srx": ox.QueryResultsFormat.XML, ".tsv": ox.QueryResultsFormat.TSV}
RDF_EXTENSIONS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".nq": "nquads", ".trig": "trig"}
OX_RDF_EXTENSIONS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/ld+json": "json-ld",
}


@dataclass
class Solutions:
    variables: set[str]
    rows: list[dict[str, object]]  # variable -> pyoxigraph term, unbound left out


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


# --- reading ---------------------------------------------------------------------------------------------


def _from_engine(parsed) -> bool | Solutions:
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    variables = [v.value for v in parsed.variables]
    rows = []
    for solution in parsed:
        rows.append({v: solution[v] for v in variables if solution[v] is not None})
    return Solutions(set(variables), rows)


def parse_results(body: bytes, results_format) -> bool | Solutions:
    """A SPARQL JSON, XML or TSV results document."""
    return _from_engine(ox.parse_query_results(body, format=results_format))


def _rs_results(path: Path, base_iri: str) -> bool | Solutions:
    """A result set written in the W3C rs: vocabulary (a few expected results are Turtle)."""
    triples = list(ox.parse(path=str(path), format=OX_RDF_EXTENSIONS[path.suffix], base_iri=base_iri))
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)

    def values(subject, predicate):
        return [t.object for t in by_subject.get(subject, []) if t.predicate.value == RS + predicate]

    result_set = next(t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object.value == RS + "ResultSet")
    booleans = values(result_set, "boolean")
    if booleans:
        return booleans[0].value == "true"
    variables = {v.value for v in values(result_set, "resultVariable")}
    indexed = []
    for solution in values(result_set, "solution"):
        row = {}
        for binding in values(solution, "binding"):
            row[values(binding, "variable")[0].value] = values(binding, "value")[0]
        index = values(solution, "index")
        indexed.append((int(index[0].value) if index else 0, row))
    indexed.sort(key=lambda pair: pair[0])
    return Solutions(variables, [row for _, row in indexed])


def expected_results(path: Path, base_iri: str) -> bool | Solutions | rdflib.Graph:
    """The expected answer of a query test: a boolean, solutions or a graph."""
    if path.suffix in RESULT_EXTENSIONS:
        return parse_results(path.read_bytes(), RESULT_EXTENSIONS[path.suffix])
    if RS + "ResultSet" in path.read_text(encoding="utf-8") or "rs:ResultSet" in path.read_text(encoding="utf-8"):
        return _rs_results(path, base_iri)
    return parse_graph(path.read_bytes(), RDF_EXTENSIONS[path.suffix], base_iri)


def parse_graph(data: bytes, rdflib_format: str, base_iri: str | None = None) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=data, format=rdflib_format, publicID=base_iri)
    return graph


def parse_dataset(data: bytes, rdflib_format: str = "nquads") -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=rdflib_format)
    return dataset


def data_as_ntriples(path: Path, base_iri: str) -> bytes:
    """A test data file parsed locally against its IRI, as N-Triples for the Graph Store Protocol."""
    triples = ox.parse(path=str(path), format=OX_RDF_EXTENSIONS[path.suffix], base_iri=base_iri)
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b""


def csv_value(text: str):
    """A CSV field for comparison: CSV drops datatypes, so a number is compared by its value ("1.0E6" = "1000000")."""
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return ("number", Decimal(text).normalize())
    return text


def parse_csv(body: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


# --- comparing ---------------------------------------------------------------------------------------------


def has_order_by(query: str) -> bool:
    return re.search(r"\bORDER\s+BY\b", query, re.IGNORECASE) is not None


XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
        "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
}


def by_value(term):
    """A literal of a numeric or boolean datatype as (datatype, value); any other term unchanged."""
    if not isinstance(term, ox.Literal):
        return term
    datatype, text = term.datatype.value, term.value.strip()
    try:
        if datatype in INTEGER_TYPES:
            return (datatype, int(text))
        if datatype == XSD + "decimal":
            return (datatype, Decimal(text).normalize())
        if datatype in (XSD + "double", XSD + "float"):
            return (datatype, repr(float(text.replace("INF", "inf"))))
        if datatype == XSD + "boolean" and text in ("true", "false", "1", "0"):
            return (datatype, text in ("true", "1"))
    except (ValueError, InvalidOperation):
        return term  # an ill-typed literal is compared as written
    return term


def _is_bnode(term) -> bool:
    return isinstance(term, ox.BlankNode) or (isinstance(term, str) and term.startswith("_:"))


def _unify(expected: dict, actual: dict, forward: dict, backward: dict) -> list | None:
    """Extend the bnode mapping so the two rows are equal; the new pairs, or None if they cannot be."""
    if expected.keys() != actual.keys():
        return None
    added = []
    for name, e in expected.items():
        a = actual[name]
        if _is_bnode(e) and _is_bnode(a):
            if forward.get(e, a) != a or backward.get(a, e) != e:
                break
            if e not in forward:
                forward[e], backward[a] = a, e
                added.append(e)
        elif e != a or _is_bnode(e) or _is_bnode(a):
            break
    else:
        return added
    for e in added:
        del backward[forward.pop(e)]
    return None


def rows_match(expected: list[dict], actual: list[dict], ordered: bool) -> bool:
    """Equal as bags (or sequences when ordered) of rows, up to one consistent blank-node renaming."""
    if len(expected) != len(actual):
        return False
    forward: dict = {}
    backward: dict = {}
    if ordered:
        return all(_unify(e, a, forward, backward) is not None for e, a in zip(expected, actual))

    def key(row):
        return frozenset(row.items())

    plain_e = [r for r in expected if not any(_is_bnode(t) for t in r.values())]
    plain_a = [r for r in actual if not any(_is_bnode(t) for t in r.values())]
    if Counter(map(key, plain_e)) != Counter(map(key, plain_a)):
        return False
    rest_e = [r for r in expected if any(_is_bnode(t) for t in r.values())]
    rest_a = [r for r in actual if any(_is_bnode(t) for t in r.values())]
    used = [False] * len(rest_a)

    def search(i: int) -> bool:
        if i == len(rest_e):
            return True
        for j, candidate in enumerate(rest_a):
            if used[j]:
                continue
            added = _unify(rest_e[i], candidate, forward, backward)
            if added is None:
                continue
            used[j] = True
            if search(i + 1):
                return True
            used[j] = False
            for e in added:
                del backward[forward.pop(e)]
        return False

    return search(0)


def results_equal(expected, actual, ordered: bool) -> bool:
    """Booleans, solutions or graphs, compared by the W3C rules."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, rdflib.Graph) or isinstance(actual, rdflib.Graph):
        return isinstance(expected, rdflib.Graph) and isinstance(actual, rdflib.Graph) and isomorphic(expected, actual)
    def values(rows):
        return [{name: by_value(term) for name, term in row.items()} for row in rows]

    return expected.variables == actual.variables and rows_match(values(expected.rows), values(actual.rows), ordered)


def describe(result) -> str:
    """A readable dump for assertion messages."""
    if isinstance(result, rdflib.Graph):
        return result.serialize(format="nt")
    if isinstance(result, Solutions):
        lines = [f"vars {sorted(result.variables)}"]
        lines += [" ".join(f"?{k}={v}" for k, v in sorted(row.items())) for row in result.rows[:50]]
        return "\n".join(lines)
    return repr(result)
