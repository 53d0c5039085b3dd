"""Hostile input to /reconcile: every limit is a 400 (413 for sizes), never a 500, and no request text reaches SPARQL
(the index is read with fixed queries; a recording wrapper sees every text the store is asked to evaluate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newskg.core.config import Settings
from newskg.web.app import create_app
from newskg.reconcile.service import MAX_BATCH, MAX_QUERIES_CHARS

AUTH = {"Authorization": "Bearer test-token"}
MARKER = "EVIL"  # in every payload; in no SPARQL text of ours
PAYLOADS = [
    f"x> }} ; DROP ALL ; INSERT DATA {{ <urn:{MARKER}:s> <urn:x:p> <urn:x:o> }} #",
    f"> }} ; DROP ALL ; {{ {MARKER}",
    f"x> ?p ?o . {MARKER}" + "{" * 5000,
    f"{MARKER}" + "[" * 5000,
    f"# {MARKER} comment\n}} DROP ALL",
    f'x" ; DROP ALL ; "{MARKER}',
    f"x\\> }} DROP ALL {MARKER}",
    f"x\\u003e }} UNION {{ ?s ?p ?o }} {MARKER}",
    f"x%3E {MARKER} %7D \u0000 \u2028 \ud7ff",
    f"Q232 {MARKER}",
    f"{MARKER}" + "ä" * 30_000,
]


@pytest.fixture
def recorded(client):
    """Every SPARQL text the app's store is asked to evaluate."""
    store = client.app.state.kg.store
    seen: list[str] = []
    query = store.query

    def recording_query(sparql, **kwargs):
        seen.append(sparql)
        return query(sparql, **kwargs)

    store.query = recording_query
    yield seen
    del store.query


def _queries(client, batch, method="GET"):
    text = batch if isinstance(batch, str) else json.dumps(batch)
    if method == "GET":
        return client.get("/reconcile", params={"queries": text})
    return client.post("/reconcile", data={"queries": text})


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_batch_past_the_limit_is_400(client, method):
    batch = {f"q{i}": {"query": "Almaty"} for i in range(MAX_BATCH + 1)}
    response = _queries(client, batch, method)
    assert response.status_code == 400 and f"at most {MAX_BATCH} queries" in response.json()["message"]
    assert _queries(client, dict(list(batch.items())[:MAX_BATCH]), method).status_code == 200


BAD_QUERIES = [
    ({"query": "x" * 301}, "longer than 300"),
    ({"query": ""}, "must not be empty"),
    ({"query": "   "}, "must not be empty"),
    ({"query": 42}, "must be a string"),
    ({"query": ["Almaty"]}, "must be a string"),
    ({"query": "Almaty", "limit": 101}, "at most 100"),
    ({"query": "Almaty", "limit": 0}, "positive integer"),
    ({"query": "Almaty", "limit": -1}, "positive integer"),
    ({"query": "Almaty", "limit": 1.5}, "positive integer"),
    ({"query": "Almaty", "limit": True}, "positive integer"),
    ({"query": "Almaty", "limit": "ten"}, "positive integer"),
    ({"query": "Almaty", "limit": 10 ** 400}, "at most 100"),
    ({"query": "Almaty", "type": 7}, "'type'"),
    ({"query": "Almaty", "type": ["City"] * 21}, "'type'"),
    ({"query": "Almaty", "type": ["y" * 301]}, "longer than 300"),
    ({"query": "Almaty", "type_strict": "sometimes"}, "type_strict"),
    ({"query": "Almaty", "DROP": "ALL"}, "unknown fields"),
    ({}, "needs a 'query'"),
    ({"properties": []}, "needs a 'query'"),
    ({"properties": [{"pid": "P31", "v": "Q5"}]}, "unknown property"),
    ({"properties": [{"pid": "wikidata", "v": "Kazakhstan"}]}, "must be a QID"),
    ({"properties": [{"pid": "wikidata"}]}, "'pid' and 'v'"),
    ({"properties": [{"pid": "wikidata", "v": {"name": "x"}}]}, "'id'"),
    ({"properties": [{"pid": "wikidata", "v": ["Q1"] * 21}]}, "more than 20"),
    ({"properties": [{"pid": "wikidata", "v": "Q1"}] * 11}, "at most 10"),
    ("Almaty", "JSON object"),
]


def test_each_bad_query_is_400_naming_what_is_wrong(client):
    for query, fragment in BAD_QUERIES:
        response = _queries(client, {"q0": query})
        assert response.status_code == 400, (query, response.text)
        assert fragment in response.json()["message"], (query, response.text)


BAD_JSON = [
    "{", "not json", "", "[]", '"a string"', "null", "{'q0': {}}", '{"q0": {"query": "a"}',
    "[" * 100_000, '{"q0": ' * 30_000, '{"q0": {"query": "a", "properties": [[[[[[[[1]]]]]]]]}}',
    '{"q0": {"query": "\\ud800"}}x', "\x00", '{"' + "k" * 301 + '": {"query": "a"}}',
]


def test_invalid_or_deeply_nested_json_is_400(client):
    for text in BAD_JSON:
        for method in ("GET", "POST") if len(text) < 10_000 else ("POST",):  # httpx caps a URL's query at 64 KiB
            response = _queries(client, text, method)
            assert response.status_code == 400, (text[:40], response.text[:200])


def test_a_queries_text_past_its_size_is_413_and_a_body_past_the_limit_is_413(tmp_path: Path):
    settings = Settings(store=tmp_path / "store", max_body_bytes=300_000)
    with TestClient(create_app(settings)) as client:
        too_long = json.dumps({"q0": {"query": "a"}, "pad": "x" * MAX_QUERIES_CHARS})
        assert client.post("/reconcile", data={"queries": too_long}).status_code == 413
        body = b"queries=" + b"x" * 400_000
        response = client.post("/reconcile", content=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413


@pytest.mark.parametrize("request_kwargs", [
    {"content": json.dumps({"q0": {"query": "a"}}), "headers": {"Content-Type": "application/json"}},
    {"content": b"queries={}", "headers": {"Content-Type": "text/plain"}},
    {"content": b"queries={}"},
])
def test_a_post_that_is_not_a_form_is_415(client, request_kwargs):
    assert client.post("/reconcile", **request_kwargs).status_code == 415


@pytest.mark.parametrize("url, kwargs", [
    ("/reconcile?queries={}&queries={}", {}),
    ("/reconcile?extend={}", {}),
    ("/reconcile?DROP=ALL", {}),
    ("/reconcile", {"method": "POST", "data": {"callback": "cb"}}),  # no queries
    ("/reconcile", {"method": "POST", "content": b"queries=%ff%fe",
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("/reconcile", {"method": "POST", "content": b"&".join([b"a=1"] * 20),
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
])
def test_repeated_unknown_missing_or_broken_parameters_are_400(client, url, kwargs):
    method = kwargs.pop("method", "GET")
    assert client.request(method, url, **kwargs).status_code == 400


BAD_CALLBACKS = [
    "alert(1)//", "cb;alert(1)", "<script>", "a b", "", "1abc", "a" * 65, "a..b", "cb\n", "a.b.c.d.e.f.g",
    "\u2028", "x=1",
]


def test_a_callback_that_is_not_an_identifier_is_400(client):
    for callback in BAD_CALLBACKS:
        assert client.get("/reconcile", params={"callback": callback}).status_code == 400, callback
        response = client.get("/reconcile/suggest/entity", params={"prefix": "a", "callback": callback})
        assert response.status_code == 400, callback


BAD_SUGGEST = [
    {"prefix": "x" * 301}, {"prefix": "a", "cursor": "-1"}, {"prefix": "a", "cursor": "x"},
    {"prefix": "a", "cursor": "²"}, {"prefix": "a", "cursor": "99999999999"}, {"prefix": "a", "limit": "0"},
    {"prefix": "a", "limit": "101"}, {"prefix": "a", "limit": "1e3"}, {},
]


def test_bad_suggest_parameters_are_400(client):
    for params in BAD_SUGGEST:
        for kind in ("entity", "type"):
            assert client.get(f"/reconcile/suggest/{kind}", params=params).status_code == 400, (kind, params)


def test_hostile_strings_are_answered_or_refused_and_never_reach_sparql(client, recorded):
    for payload in PAYLOADS:
        _walk(client, payload)
    assert recorded, "the index was read"
    assert not [text for text in recorded if MARKER in text]


def _walk(client, payload: str) -> None:
    short, medium = payload[:300], payload[:5000]
    batch = {payload[:300]: {"query": short, "type": [short]},
             "p": {"query": short, "properties": [{"pid": "wikidata", "v": "Q232"}]}}
    requests = [
        ("GET", "/reconcile", {"params": {"queries": json.dumps(batch)}}),
        ("POST", "/reconcile", {"data": {"queries": json.dumps(batch)}}),
        ("POST", "/reconcile", {"data": {"queries": json.dumps({"q": {"query": payload}})}}),
        ("POST", "/reconcile", {"data": {"queries": payload}}),
        ("GET", "/reconcile", {"params": {"queries": medium}}),
        ("POST", "/reconcile", {"data": {"queries": "{}", "callback": payload}}),
        ("GET", "/reconcile", {"params": {"callback": medium}}),
        ("GET", "/reconcile/suggest/entity", {"params": {"prefix": medium}}),
        ("GET", "/reconcile/suggest/entity", {"params": {"prefix": short}}),
        ("GET", "/reconcile/suggest/type", {"params": {"prefix": short}}),
        ("GET", "/reconcile/preview", {"params": {"id": medium}}),
        ("GET", "/reconcile/preview", {"params": {"id": short}}),
    ]
    for position, (method, url, kwargs) in enumerate(requests):
        response = client.request(method, url, **kwargs)
        assert response.status_code < 500, (url, response.status_code, response.text[:300])
        assert "Traceback" not in response.text
        if position < 2:  # within every limit: answered, the hostile key kept as it is
            assert response.status_code == 200, response.text[:300]
            assert set(response.json()) == set(batch)


def test_a_label_with_markup_is_escaped_in_the_preview_and_json(client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    data = ('<https://w3id.org/newskg/id/actor/markup> a <https://w3id.org/newskg/ontology#Person> ; '
            f'<http://www.w3.org/2000/01/rdf-schema#label> {json.dumps(hostile)}@en .').encode()
    written = client.post("/assertions", content=data, headers={"Content-Type": "text/turtle", **AUTH})
    assert written.status_code == 201, written.text
    preview = client.get("/reconcile/preview", params={"id": "actor/markup"})
    assert preview.status_code == 200
    assert "<script" not in preview.text and "<img" not in preview.text
    assert "&lt;script&gt;" in preview.text
    assert "default-src 'none'" in preview.headers["content-security-policy"]
    body = client.get("/reconcile", params={"queries": json.dumps({"q": {"query": hostile[:300]}})}).json()
    assert body["q"]["result"][0]["name"] == hostile and body["q"]["result"][0]["match"] is True


def test_anonymous_reconciliation_never_writes(client):
    before = client.get("/health").json()
    for _ in range(3):
        client.post("/reconcile", data={"queries": json.dumps({"q": {"query": "DROP ALL"}})})
        client.get("/reconcile", params={"queries": json.dumps({"q": {"query": "INSERT DATA { <a> <b> <c> }"}})})
    assert client.get("/health").json() == before
