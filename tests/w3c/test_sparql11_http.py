"""The W3C SPARQL 1.1 query, update, syntax and result-format tests, run over HTTP against a real server.

Tests come from ../shared/w3c/rdf-tests/sparql/sparql11/manifest.ttl and the manifests it includes (SERVICE and
entailment are not among them). Each test empties the store, loads its data through the Graph Store Protocol,
sends its query or update to /sparql and compares the answer by the W3C rules (see w3c_results).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from known_failures import KNOWN_FAILURES
from w3c_server import AUTH
from w3c_manifests import SPARQL11, W3CTest, file_iri, load_tests, require_shared
from w3c_results import (
    RDF_MEDIA,
    RESULT_EXTENSIONS,
    RESULT_MEDIA,
    data_as_ntriples,
    describe,
    expected_results,
    has_order_by,
    media_type,
    csv_value,
    parse_csv,
    parse_dataset,
    parse_graph,
    parse_results,
    results_equal,
    rows_match,
)

require_shared()
TESTS = load_tests(SPARQL11 / "manifest.ttl")

QUERY_SYNTAX = {"PositiveSyntaxTest11", "NegativeSyntaxTest11"}
UPDATE_SYNTAX = {"PositiveUpdateSyntaxTest11", "NegativeUpdateSyntaxTest11"}
SUPPORTED = QUERY_SYNTAX | UPDATE_SYNTAX | {"QueryEvaluationTest", "UpdateEvaluationTest", "CSVResultFormatTest"}
ACCEPT = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
}
# A 400 that is the allow-list refusing a LOAD target by policy, not the parser refusing the text.
POLICY_REFUSAL = "Remote target not allowed"


def _print_counts() -> None:
    kinds = Counter(t.kind for t in TESTS)
    print(f"\nW3C SPARQL 1.1 (sparql11/manifest.ttl): {len(TESTS)} tests: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print(f"known failures: {len(KNOWN_FAILURES)}; expected to pass: {len(TESTS) - len(KNOWN_FAILURES)}")


def test_manifest_counts_match_the_w3c_readme():
    """495 entries: the query, update and result-format manifests, without SERVICE and entailment."""
    _print_counts()
    assert len(TESTS) == 495
    assert {t.kind for t in TESTS} <= SUPPORTED
    assert not any(t.service_data for t in TESTS)
    unknown = set(KNOWN_FAILURES) - {t.iri for t in TESTS}
    assert not unknown, f"known failures that are not tests: {unknown}"
    assert len(TESTS) - len(KNOWN_FAILURES) >= 484


def _params() -> list:
    """One pytest parameter per W3C test, known failures marked xfail(strict=True)."""
    params = []
    for test in TESTS:
        marks = []
        if test.iri in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[test.iri], strict=True))
        params.append(pytest.param(test, id=test.id, marks=marks))
    return params


def with_base(text: str, path) -> str:
    """The query or update with the test file's IRI as its base, unless it declares its own."""
    if re.search(r"^\s*BASE\s*<", text, re.IGNORECASE | re.MULTILINE):
        return text
    return f"BASE <{file_iri(path)}>\n{text}"


def _load(server, test: W3CTest, default: list, named: list) -> None:
    if default:
        server.put_graph(None, b"".join(data_as_ntriples(p, file_iri(p)) for p in default))
    for graph, path in named:
        server.put_graph(graph, data_as_ntriples(path, file_iri(path)))


def _run_syntax(server, test: W3CTest) -> None:
    text = with_base(test.query.read_text(encoding="utf-8"), test.query)
    if test.kind in QUERY_SYNTAX:
        response = server.http.post(
            "/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    else:
        response = server.http.post(
            "/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-update", **AUTH}
        )
    if test.kind.startswith("Negative"):
        assert response.status_code == 400, f"accepted bad syntax: {response.status_code} {response.text[:500]}"
    else:
        refused_by_policy = response.status_code == 400 and response.json().get("error") == POLICY_REFUSAL
        assert response.status_code != 400 or refused_by_policy, f"rejected good syntax: {response.text[:500]}"


def _actual_results(response, test: W3CTest):
    kind = media_type(response.headers.get("content-type"))
    if kind in RESULT_MEDIA:
        return parse_results(response.content, RESULT_MEDIA[kind])
    if kind in RDF_MEDIA:
        return parse_graph(response.content, RDF_MEDIA[kind])
    raise AssertionError(f"unexpected Content-Type {kind!r} for {test.result.name}")


def _run_query(server, test: W3CTest) -> None:
    _load(server, test, test.data, test.graph_data)
    query = with_base(test.query.read_text(encoding="utf-8"), test.query)
    accept = ACCEPT.get(test.result.suffix, "text/turtle, application/sparql-results+json;q=0.9")
    response = server.http.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query", "Accept": accept}
    )
    assert response.status_code == 200, response.text[:1000]
    ordered = has_order_by(query)
    if test.result.suffix == ".csv":
        assert media_type(response.headers["content-type"]) == "text/csv"
        expected_head, expected_rows = parse_csv(test.result.read_bytes())
        actual_head, actual_rows = parse_csv(response.content)
        assert set(actual_head) == set(expected_head)  # SELECT * leaves the column order to the engine
        as_dicts = lambda rows, head: [{h: csv_value(v) for h, v in zip(head, row) if v != ""} for row in rows]  # noqa: E731
        assert rows_match(as_dicts(expected_rows, expected_head), as_dicts(actual_rows, actual_head), ordered), (
            f"expected:\n{test.result.read_text()}\nactual:\n{response.text}"
        )
        return
    expected = expected_results(test.result, file_iri(test.result))
    actual = _actual_results(response, test)
    if test.result.suffix in RESULT_EXTENSIONS:
        assert media_type(response.headers["content-type"]) == ACCEPT[test.result.suffix]
    assert results_equal(expected, actual, ordered), f"expected:\n{describe(expected)}\nactual:\n{describe(actual)}"


def _run_update(server, test: W3CTest) -> None:
    _load(server, test, test.data, test.graph_data)
    update = with_base(test.query.read_text(encoding="utf-8"), test.query)
    response = server.http.post(
        "/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update", **AUTH}
    )
    assert response.status_code == 204, response.text[:1000]
    dump = server.http.get("/store", headers={"Accept": "application/n-quads"})
    assert dump.status_code == 200, dump.text[:500]
    actual = parse_dataset(dump.content)
    expected_default = parse_graph(
        b"".join(data_as_ntriples(p, file_iri(p)) for p in test.result_data), "nt"
    )
    expected_named = {
        graph: parse_graph(data_as_ntriples(path, file_iri(path)), "nt") for graph, path in test.result_graph_data
    }
    expected_named = {g: content for g, content in expected_named.items() if len(content)}
    actual_default = parse_graph(actual.default_graph.serialize(format="nt").encode(), "nt")
    actual_named = {
        str(context.identifier): context
        for context in actual.graphs()
        if context.identifier != actual.default_graph.identifier and len(context)
    }
    assert results_equal(expected_default, actual_default, False), (
        f"default graph:\nexpected:\n{describe(expected_default)}\nactual:\n{describe(actual_default)}"
    )
    assert set(actual_named) == set(expected_named)
    for graph, content in expected_named.items():
        assert results_equal(content, parse_graph(actual_named[graph].serialize(format="nt").encode(), "nt"), False), (
            f"graph <{graph}>:\nexpected:\n{describe(content)}\nactual:\n{describe(actual_named[graph])}"
        )


@pytest.mark.parametrize("test", _params())
def test_w3c(empty_server, test: W3CTest):
    if test.kind in QUERY_SYNTAX | UPDATE_SYNTAX:
        _run_syntax(empty_server, test)
        empty_server.wrote_nothing = test.kind in QUERY_SYNTAX  # a query writes nothing: no DROP ALL before the next
    elif test.kind == "UpdateEvaluationTest":
        _run_update(empty_server, test)
    else:
        _run_query(empty_server, test)
