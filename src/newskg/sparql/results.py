"""SPARQL 1.1 result serializers for materialised solutions (JSON, XML, CSV, TSV).

Solutions are materialised first so that the row limit can be enforced before anything is sent.
Specs: https://www.w3.org/TR/sparql11-results-json/, https://www.w3.org/TR/rdf-sparql-XMLres/,
https://www.w3.org/TR/sparql11-results-csv-tsv/.
"""

from __future__ import annotations

import io
import json
from json.encoder import encode_basestring as _json_string  # JSON string literal, non-ASCII kept (C when available)
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Row = tuple  # one term (or None) per variable


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def _json_term_text(term) -> str:
    """`_json_term` as JSON text, written directly for the common terms (about twice as fast as json.dumps of
    dicts; strings are escaped by the json module's own C escaper)."""
    kind = type(term)
    if kind is ox.NamedNode:
        return '{"type":"uri","value":' + _json_string(term.value) + "}"
    if kind is ox.Literal:
        if term.language:
            return '{"type":"literal","value":' + _json_string(term.value) + ',"xml:lang":' + _json_string(term.language) + "}"
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return '{"type":"literal","value":' + _json_string(term.value) + "}"
        return '{"type":"literal","value":' + _json_string(term.value) + ',"datatype":' + _json_string(datatype) + "}"
    if kind is ox.BlankNode:
        return '{"type":"bnode","value":' + _json_string(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False)


def solutions_json(variables: list[str], rows: list[Row]) -> bytes:
    keys = [_json_string(name) + ":" for name in variables]
    bindings = ",".join(
        "{" + ",".join(key + _json_term_text(term) for key, term in zip(keys, row) if term is not None) + "}"
        for row in rows
    )
    head = ",".join(_json_string(name) for name in variables)
    return ('{"head":{"vars":[' + head + ']},"results":{"bindings":[' + bindings + "]}}").encode()


def boolean_json(value: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": value}).encode()


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
        return "<triple>" + "".join(f"<{n}>{_xml_term(t)}</{n}>" for n, t in parts) + "</triple>"
    raise TypeError(f"unexpected term {term!r}")


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def solutions_xml(variables: list[str], rows: list[Row]) -> bytes:
    out = io.StringIO()
    out.write(_XML_HEAD + "<head>")
    out.write("".join(f"<variable name={quoteattr(v)}/>" for v in variables))
    out.write("</head><results>")
    for row in rows:
        out.write("<result>")
        for name, term in zip(variables, row):
            if term is not None:
                out.write(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.write("</result>")
    out.write("</results></sparql>\n")
    return out.getvalue().encode()


def boolean_xml(value: bool) -> bytes:
    return (_XML_HEAD + f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()


def _csv_field(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def solutions_csv(variables: list[str], rows: list[Row]) -> bytes:
    lines = [",".join(_csv_field(ox.Literal(v)) for v in variables)]
    lines += [",".join(_csv_field(t) for t in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def boolean_csv(value: bool) -> bytes:
    return ("_askResult\r\n" + ("true" if value else "false") + "\r\n").encode()


def _tsv_field(term) -> str:
    return "" if term is None else str(term)  # pyoxigraph renders terms in N-Triples / Turtle syntax


def solutions_tsv(variables: list[str], rows: list[Row]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join(_tsv_field(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def boolean_tsv(value: bool) -> bytes:
    return ("?_askResult\n" + ("true" if value else "false") + "\n").encode()


SOLUTION_WRITERS = {
    "application/sparql-results+json": (solutions_json, boolean_json),
    "application/sparql-results+xml": (solutions_xml, boolean_xml),
    "text/csv": (solutions_csv, boolean_csv),
    "text/tab-separated-values": (solutions_tsv, boolean_tsv),
}
