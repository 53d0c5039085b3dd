"""A bounded property-based fuzz of the whole OpenAPI (schemathesis) against a real server on loopback: no 5xx.

Every operation of the served schema gets some schema-conforming cases and some that break the schema, each sent
with or without the write token (Hypothesis decides). SPARQL and RDF bodies, the `query` of GET /sparql, path
parameters and Accept headers also come from the samples below: hostile samples, random text, and samples cut short
and followed by random text. The server reaches no other host: its allow-list is empty and Wikidata is offline, and
every IRI in the samples is a URN, a file: IRI or a loopback address that the allow-list refuses.

The only 5xx accepted is a 503 that is one of our own time-limit or overload errors (any error type of status 503
in `newskg.core.errors`, recognised by its title), since a hostile query may run into the time limit by design.
Cases are derandomised, so a run is repeatable; every 5xx found is listed at the end, not only the first.
"""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from newskg.core import errors

AUTH = {"Authorization": "Bearer test-token"}
POSITIVE_CASES_PER_OPERATION = 12
NEGATIVE_CASES_PER_OPERATION = 8

QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    "ASK {}",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3",
    "DESCRIBE <urn:fuzz:a>",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o } LIMIT 1",
    'SELECT (REGEX("a", "(") AS ?r) {}',
    "SELECT ?x WHERE { BIND(1/0 AS ?x) }",
    "BASE <not an iri> SELECT * {}",
    'SELECT * { VALUES ?x { "\\u0000" "\\uD800" } }',
    "SELECT * { ?s ?p ?o } LIMIT 99999999999999999999999",
    'SELECT (STRDT("x", <http://www.w3.org/2001/XMLSchema#integer>) + 1 AS ?n) {}',
    "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
    "SELECT * WHERE { " + "OPTIONAL { " * 300 + "?s ?p ?o" + " }" * 300 + " }",
    "PREFIX : <urn:fuzz:> SELECT * { :a :b* ?o } LIMIT 10",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
]
UPDATES = [
    'INSERT DATA { <urn:fuzz:a> <urn:fuzz:b> "c" }',
    "DELETE WHERE { <urn:fuzz:a> ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:fuzz:g>",
    "CLEAR SILENT GRAPH <urn:fuzz:none>",
    "DROP GRAPH <urn:fuzz:none>",
    "CREATE GRAPH <urn:fuzz:g>",
    "ADD <urn:fuzz:none> TO <urn:fuzz:g>",
    "INSERT { GRAPH <urn:fuzz:g> { ?s ?p ?o } } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    'INSERT DATA { GRAPH <urn:fuzz:g> { <urn:fuzz:a> <urn:fuzz:b> "x"^^<http://www.w3.org/2001/XMLSchema#date> } }',
    "INSERT DATA { " + "[ <urn:fuzz:p> " * 500 + "1" + " ]" * 500 + " <urn:fuzz:q> 2 }",
]
ACCEPT_HEADERS = ["*/*", "text/turtle", "image/png", "application/sparql-results+json;q=0", "text/html;q=nan",
                  "*/*;q=1e400", ";;,", "application/ld+json, text/csv;q=0.5, */*;q=0.1", "text/*;charset=\u00ff"]
PATH_SEGMENTS = ["\x00", "a" * 5000, "../../pyproject.toml", "..", "%00", '<>{}|^`"', " ", "é/ü/ß", "x.ttl", "%",
                 "?#"]
RDF = [
    '<urn:fuzz:a> <urn:fuzz:b> "c" .',
    "@base <http://127.0.0.1:9/> . <a> <b> <c> .",
    '<urn:fuzz:a> <urn:fuzz:b> "x"^^<http://www.w3.org/2001/XMLSchema#integer> .',
    "@prefix nkg: <https://w3id.org/newskg/ontology#> .\n"
    "<https://w3id.org/newskg/id/figure/fuzz> a nkg:Figure ; nkg:value -1 .",
    "<urn:fuzz:a> <urn:fuzz:b> " + "(" * 400 + ")" * 400 + " .",
    '<urn:fuzz:a> <urn:fuzz:b> "\\uD800" .',
    "<urn:fuzz:g> { <urn:fuzz:a> <urn:fuzz:b> <urn:fuzz:c> }",
    "<urn:fuzz:a> <urn:fuzz:b> <urn:fuzz:c> <urn:fuzz:g> .",
    '{"@context": {"@vocab": "urn:fuzz:"}, "@id": "urn:fuzz:a", "p": {"@id": "urn:fuzz:b"}}',
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="urn:fuzz:a"><rdf:value>&b;</rdf:value></rdf:Description></rdf:RDF>',
]


def _bodies(samples: list[str]) -> st.SearchStrategy[bytes]:
    """Hostile samples, random text, and samples cut short and continued with random text (as UTF-8, or not)."""
    cut = st.tuples(st.sampled_from(samples), st.integers(0, 200), st.text(max_size=60)).map(
        lambda t: t[0][: t[1]] + t[2]
    )
    text = st.one_of(st.sampled_from(samples), st.text(max_size=200), cut).map(str.encode)
    return st.one_of(text, st.binary(max_size=100))


for _media_type, _samples in {
    "application/sparql-query": QUERIES,
    "application/sparql-update": UPDATES,
    "text/turtle": RDF,
    "application/n-triples": RDF,
    "application/trig": RDF,
    "application/n-quads": RDF,
    "application/ld+json": RDF,
    "application/rdf+xml": RDF,
}.items():
    schemathesis.openapi.media_type(_media_type, _bodies(_samples))


def _our_503_titles() -> set[str]:
    """Titles of our own time-limit and overload errors: every error type of status 503."""
    found, todo = set(), [errors.NewsKGError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.status == 503:
            found.add(cls.title)
    return found


def _server_fault(response: requests.Response, allowed_503: set[str]) -> str | None:
    """Why the response is the server's fault (a 5xx other than our own 503s, or a traceback), or None."""
    if "Traceback (most recent call last)" in response.text:
        return "a traceback in the body"
    if response.status_code < 500:
        return None
    if response.status_code == 503:
        try:
            title = response.json().get("error")
        except ValueError:
            title = None
        if title in allowed_503:
            return None
    return f"{response.status_code}: {response.text[:300]}"


@pytest.fixture
def fuzz_server(server_factory):
    return server_factory(
        env={
            "NEWSKG_WRITE_TOKEN": "test-token",
            "NEWSKG_SERVICE_ALLOW": "",
            "NEWSKG_WIKIDATA_OFFLINE": "true",
            "NEWSKG_QUERY_TIMEOUT_S": "3",
            "NEWSKG_MAX_CONCURRENT_QUERIES": "2",
        }
    )


def _fuzz(operation, mode: GenerationMode, cases: int, base_url: str, faults: list[str], allowed_503: set[str]):
    @settings(
        max_examples=cases,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(mode),
        with_token=st.booleans(),
        query=st.none() | st.sampled_from(QUERIES),
        segment=st.none() | st.sampled_from(PATH_SEGMENTS),
        accept=st.none() | st.sampled_from(ACCEPT_HEADERS),
    )
    def send(case, with_token, query, segment, accept):
        if query is not None and operation.label == "GET /sparql":
            case.query = {**(case.query or {}), "query": query}
        if segment is not None and case.path_parameters:
            case.path_parameters = {name: segment for name in case.path_parameters}
        headers = {**(AUTH if with_token else {}), **({"Accept": accept} if accept is not None else {})}
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
        except requests.RequestException as exc:
            faults.append(f"{operation.label} ({mode.value}): no answer: {type(exc).__name__}: {exc}")
            return
        fault = _server_fault(response, allowed_503)
        if fault is not None:
            curl = case.as_curl_command(headers=headers)
            faults.append(f"{operation.label} ({mode.value}, token={with_token}): {fault}\n    {curl[:500]}")

    try:
        send()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid case can be made"  # nothing to break


def test_no_request_from_the_openapi_schema_gets_a_server_error(fuzz_server):
    schema = schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")
    allowed_503 = _our_503_titles()
    faults: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25, "every route is in the schema"
    for operation in operations:
        _fuzz(operation, GenerationMode.POSITIVE, POSITIVE_CASES_PER_OPERATION, fuzz_server.url, faults, allowed_503)
        _fuzz(operation, GenerationMode.NEGATIVE, NEGATIVE_CASES_PER_OPERATION, fuzz_server.url, faults, allowed_503)
    assert faults == [], f"{len(faults)} server errors:\n" + "\n".join(faults)
    assert requests.get(fuzz_server.url + "/health", timeout=10).status_code == 200, "the server survived"
