"""The W3C SHACL core tests (98), run over HTTP through POST /validate of a real server, as standard SHACL.

Tests come from ../shared/w3c/data-shapes/data-shapes-test-suite/tests/core/manifest.ttl and the manifests it
includes. Each test uploads its data and shapes files as a multipart request with ``plain=true`` (the data alone,
no ontology, no stored context) and ``base`` set to the data file's published IRI (the data uses relative IRIs such
as ``<>``; the three tests with a separate shapes file use absolute IRIs only, checked below), asks for the
``sh:ValidationReport`` in Turtle and compares it with the expected report:

* as pySHACL's own conformance harness does (``pyshacl.validator_conformance.check_sht_result``: the report node
  compared as a graph, with messages and details dropped when the expected report has none, then every expected
  result found by focus node, value and path); and
* on the result set itself, as the W3C suite defines the comparison: ``sh:conforms`` equal, and the same multiset of
  results on focusNode, resultPath, value, sourceShape, sourceConstraintComponent and resultSeverity (a blank node
  in focus node, value or source shape matches any blank node: its label differs between the test file and the
  server's parse; a path is compared by its structure).

One server for the whole session (the W3C conftest's); nothing is written, so the store is never emptied.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import pytest
import rdflib
from pyshacl.validator_conformance import check_sht_result
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD

from shacl_manifests import MF, ShaclTest, core_tests, file_iri, parse_file, require_shacl_suite

require_shacl_suite()
TESTS = core_tests()

# Tests pySHACL 0.40.1 itself fails in-process (the same result through the endpoint): strict xfail, so the run
# fails when one starts passing.
KNOWN_FAILURES = {
    "property/uniqueLang-002": (
        "pySHACL treats sh:uniqueLang \"1\"^^xsd:boolean as true; the test expects only \"true\" to activate the "
        "constraint, so pySHACL reports a result where the data conforms"
    ),
}


def test_the_core_suite_has_98_tests():
    assert len(TESTS) == 98
    assert len({t.id for t in TESTS}) == 98
    assert set(KNOWN_FAILURES) <= {t.id for t in TESTS}


def _relative_iris(path) -> bool:
    """Whether a Turtle file has a relative IRI (outside its prefix declarations)."""
    lines = (line for line in path.read_text().splitlines()
             if not line.lstrip().lower().startswith(("@prefix", "prefix")))
    return any(":" not in iri for line in lines for iri in re.findall(r"<([^<>\"\s]*)>", line))


def _params() -> list:
    return [pytest.param(test, id=test.id, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[test.id], strict=True))
            if test.id in KNOWN_FAILURES else pytest.param(test, id=test.id) for test in TESTS]


def _validate(server, test: ShaclTest) -> rdflib.Graph:
    if test.shapes != test.data:
        assert not _relative_iris(test.shapes), "one base for both uploads: a separate shapes file must not need it"
    files = {
        "data": (test.data.name, test.data.read_bytes(), "text/turtle"),
        "shapes": (test.shapes.name, test.shapes.read_bytes(), "text/turtle"),
    }
    response = server.http.post(
        "/validate",
        params={"plain": "true", "base": file_iri(test.data)},
        files=files,
        headers={"Accept": "text/turtle"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=response.text, format="turtle")


def _node_key(graph: rdflib.Graph, node) -> str:
    """A node as compared across graphs: IRIs and literals as they are, a blank node as 'any blank node'."""
    if node is None:
        return ""
    if isinstance(node, BNode):
        return "_:b"
    if isinstance(node, Literal) and node.datatype == XSD.string:
        return Literal(str(node)).n3()  # RDF 1.1: a simple literal is an xsd:string (the server writes the type)
    return node.n3()


def _path_key(graph: rdflib.Graph, path) -> str:
    """A SHACL path by its structure (sequence, alternative, inverse, zero-or-more ... paths are blank nodes)."""
    if path is None:
        return ""
    if not isinstance(path, BNode):
        return path.n3()
    if graph.value(path, RDF.first) is not None:
        return "(" + " / ".join(_path_key(graph, member) for member in Collection(graph, path)) + ")"
    for predicate in (SH.alternativePath, SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"{predicate.n3()}[{_path_key(graph, inner)}]"
    return "_:unknown-path"


def _report(graph: rdflib.Graph, report) -> tuple[bool, Counter]:
    conforms = graph.value(report, SH.conforms)
    results = Counter(
        (
            _node_key(graph, graph.value(result, SH.focusNode)),
            _path_key(graph, graph.value(result, SH.resultPath)),
            _node_key(graph, graph.value(result, SH.value)),
            _node_key(graph, graph.value(result, SH.sourceShape)),
            _node_key(graph, graph.value(result, SH.sourceConstraintComponent)),
            _node_key(graph, graph.value(result, SH.resultSeverity)),
        )
        for result in graph.objects(report, SH.result)
    )
    assert isinstance(conforms, Literal), "a report states sh:conforms"
    return bool(conforms.toPython()), results


@pytest.mark.parametrize("test", _params())
def test_core(w3c_server, test: ShaclTest):
    report_graph = _validate(w3c_server, test)
    (report,) = set(report_graph.subjects(RDF.type, SH.ValidationReport))
    expected_graph = parse_file(test.manifest)  # a fresh copy: pySHACL's comparison edits the graphs it is given
    expected_report = expected_graph.value(URIRef(test.iri), MF.result)
    assert _report(report_graph, report) == _report(expected_graph, expected_report)
    for prefix, namespace in expected_graph.namespaces():  # pySHACL compares nodes as prefixed names
        report_graph.bind(prefix, namespace, override=True, replace=True)
    assert check_sht_result(report_graph, expected_graph, expected_report, logging.getLogger("shacl-core"))
