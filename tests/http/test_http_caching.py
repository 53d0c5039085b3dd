"""HTTP caching over a real `newskg serve`: weak ETags from the data generation and the request, 304 on
If-None-Match (before the query runs), `Cache-Control: no-cache` and `Vary: Accept`; every write path changes the
tag; with the result cache on and off. And answers from the offline Wikidata snapshot say so in a header."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from newskg.wikidata.snapshot import snapshot_date
from newskg_test_servers import ROOT, RunningServer

AUTH = {"Authorization": "Bearer test-token"}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NKG = "https://w3id.org/newskg/ontology#"
CLAIMS = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
WIKIDATA_LABEL = """SELECT ?l WHERE {
  SERVICE <https://query.wikidata.org/sparql> { <http://www.wikidata.org/entity/Q232> <http://www.w3.org/2000/01/rdf-schema#label> ?l }
  FILTER(LANG(?l) = "en") }"""
SOURCE = "newskg-wikidata-source"
_HUNDRED = " ".join(str(i) for i in range(100))
SLOW = (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {_HUNDRED} }} VALUES ?b {{ {_HUNDRED} }} "
        f"VALUES ?c {{ {_HUNDRED} }} FILTER(?a + ?b + ?c >= 0) }}")  # a million rows
WEAK_TAG = re.compile(r'W/"[0-9a-f]{32}"')


@pytest.fixture(scope="module", params=["result cache on", "result cache off"])
def server(request, tmp_path_factory):
    env = {"NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_WIKIDATA_OFFLINE": "true"}
    if request.param == "result cache off":
        env["NEWSKG_RESULT_CACHE_BYTES"] = "0"
    running = RunningServer(tmp_path_factory.mktemp("caching") / "store", env)
    running.result_cache_off = request.param == "result cache off"
    yield running
    running.stop()


def _get(server, query=COUNT, headers=None, **params):
    return httpx.get(server.url + "/sparql", params={"query": query, **params}, headers=headers or {}, timeout=60)


def _tag(server, query=COUNT, **kwargs) -> str:
    response = _get(server, query, **kwargs)
    assert response.status_code == 200
    assert WEAK_TAG.fullmatch(response.headers["etag"])
    return response.headers["etag"]


def test_conditional_get_is_304_without_a_body(server):
    first = _get(server)
    tag = first.headers["etag"]
    assert first.status_code == 200 and WEAK_TAG.fullmatch(tag)
    assert first.headers["cache-control"] == "no-cache"
    assert "Accept" in [v.strip() for v in first.headers["vary"].split(",")]
    again = _get(server, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag and again.headers["cache-control"] == "no-cache"
    assert "content-type" not in again.headers
    other = _get(server, headers={"If-None-Match": 'W/"0123456789abcdef0123456789abcdef"'})
    assert other.status_code == 200 and other.content == first.content and other.headers["etag"] == tag


def test_the_304_comes_before_the_query_runs(server):
    """A query that takes about 0.2 s, asked again with a 20 ms time limit: running it would be stopped (503), a
    cached answer would be a 200; the 304 is decided from the tag alone."""
    first = _get(server, SLOW)
    assert first.status_code == 200
    unchanged = _get(server, SLOW, headers={"If-None-Match": first.headers["etag"]}, timeout="0.02")
    assert unchanged.status_code == 304
    if server.result_cache_off:  # the control: without the condition, the limit does stop it
        assert _get(server, SLOW, timeout="0.02").status_code == 503


def test_a_write_changes_the_tag(server):
    tag = _tag(server)
    update = {"update": "INSERT DATA { <urn:x:etag> <urn:x:p> 'written' }"}
    assert httpx.post(server.url + "/sparql", data=update, headers=AUTH).status_code == 204
    after = _get(server, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert _get(server, headers={"If-None-Match": after.headers["etag"]}).status_code == 304


@pytest.mark.parametrize("write", ["graph store PUT", "graph store DELETE", "assertion"])
def test_every_write_path_changes_the_tag(server, write):
    graph = f"urn:x:graph:{write.replace(' ', '-')}"
    if write == "graph store DELETE":
        put = httpx.put(server.url + "/store", params={"graph": graph}, content=b"<urn:x:a> <urn:x:b> 1 .",
                        headers={**AUTH, "Content-Type": "text/turtle"})
        assert put.status_code in (201, 204)
    tag = _tag(server)
    if write == "graph store PUT":
        response = httpx.put(server.url + "/store", params={"graph": graph}, content=b"<urn:x:a> <urn:x:b> 2 .",
                             headers={**AUTH, "Content-Type": "text/turtle"})
    elif write == "graph store DELETE":
        response = httpx.delete(server.url + "/store", params={"graph": graph}, headers=AUTH)
    else:
        response = httpx.post(server.url + "/assertions", content=(FIXTURES / "assertion-ok.trig").read_bytes(),
                              headers={**AUTH, "Content-Type": "application/trig"}, timeout=60)
    assert response.status_code in (200, 201, 204), response.text
    assert _get(server, headers={"If-None-Match": tag}).status_code == 200


def test_a_refused_write_keeps_the_tag(server):
    tag = _tag(server)
    refused = httpx.post(server.url + "/sparql", data={"update": "INSERT DATA { <urn:x:s> <urn:x:p> 1 }"})
    assert refused.status_code == 401
    assert _get(server, headers={"If-None-Match": tag}).status_code == 304


def test_a_write_that_fails_in_the_gate_changes_the_tag(server):
    """A failed write may have written part of its work: nothing keyed on the old generation is trusted after it."""
    tag = _tag(server)
    rejected = httpx.post(server.url + "/assertions", content=(FIXTURES / "assertion-bad.trig").read_bytes(),
                          headers={**AUTH, "Content-Type": "application/trig"}, timeout=60)
    assert rejected.status_code == 422
    assert _get(server, headers={"If-None-Match": tag}).status_code == 200


def test_the_tag_follows_the_negotiated_format(server):
    json_tag = _tag(server, headers={"Accept": "application/sparql-results+json"})
    csv_tag = _tag(server, headers={"Accept": "text/csv"})
    assert json_tag != csv_tag
    assert _tag(server, headers={"Accept": "text/csv;q=0.9, text/html;q=0.1"}) == csv_tag  # same format, same tag
    assert _tag(server, format="csv") == csv_tag
    assert _get(server, headers={"Accept": "text/csv", "If-None-Match": json_tag}).status_code == 200
    assert _tag(server, CLAIMS) != _tag(server)  # another query
    assert _tag(server, **{"default-graph-uri": "urn:x:g"}) != _tag(server)  # another dataset


def test_if_none_match_star_lists_and_weak_comparison(server):
    tag = _tag(server)
    opaque = tag[2:]
    for field in ("*", f'"nope", {tag}', f'W/"a",  {opaque}', opaque, f"{tag},"):
        response = _get(server, headers={"If-None-Match": field})
        assert response.status_code == 304 and response.content == b"", field
    for field in ('"nope"', "W/nope", "", tag.replace('"', "")):
        assert _get(server, headers={"If-None-Match": field}).status_code == 200, field
    star = _get(server, "SELECT * WHERE {", headers={"If-None-Match": "*"})  # no answer exists: the error
    assert star.status_code == 400 and "etag" not in star.headers


def test_post_queries_carry_the_tag_and_get_412_when_it_matches(server):
    tag = _tag(server)
    posted = httpx.post(server.url + "/sparql", data={"query": COUNT})
    assert posted.status_code == 200 and posted.headers["etag"] == tag
    direct = httpx.post(server.url + "/sparql", content=COUNT,
                        headers={"Content-Type": "application/sparql-query", "If-None-Match": tag})
    assert direct.status_code == 412 and "etag" not in direct.headers


def test_no_tag_on_errors_or_on_answers_that_change_without_a_write(server):
    assert "etag" not in _get(server, "SELECT * WHERE {").headers
    assert "etag" not in _get(server, "SELECT ?x WHERE { ?x ?y }").headers
    assert "etag" not in _get(server, COUNT, headers={"Accept": "text/turtle"}).headers  # 406
    for volatile in ("SELECT (RAND() AS ?r) {}", "SELECT (now () AS ?t) {}", "SELECT (STRUUID() AS ?u) {}",
                     "CONSTRUCT { ?s <urn:x:p> ?b } WHERE { ?s a ?c BIND(BNODE() AS ?b) } LIMIT 1"):
        response = _get(server, volatile, headers={"Accept": "*/*"})
        assert response.status_code == 200 and "etag" not in response.headers, volatile
        assert response.headers["cache-control"] == "no-cache"


def test_descriptions_and_graph_store_reads_are_conditional(server):
    for url, params in ((server.url + "/.well-known/void", {}), (server.url + "/sparql", {}),
                        (server.url + "/store", {"default": ""})):
        first = httpx.get(url, params=params, headers={"Accept": "text/turtle"})
        assert first.status_code == 200 and WEAK_TAG.fullmatch(first.headers["etag"]), url
        again = httpx.get(url, params=params, headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url
        other = httpx.get(url, params=params, headers={"Accept": "application/n-triples"})
        assert other.headers["etag"] != first.headers["etag"], url
    missing = httpx.get(server.url + "/store", params={"graph": "urn:x:none"}, headers={"If-None-Match": "*"})
    assert missing.status_code == 404 and "etag" not in missing.headers


def test_wikidata_snapshot_answers_say_so(server):
    response = _get(server, WIKIDATA_LABEL, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert [b["l"]["value"] for b in response.json()["results"]["bindings"]] == ["Kazakhstan"]
    date = snapshot_date(ROOT / "graph" / "wikidata-snapshot.trig")
    assert date is not None
    assert response.headers[SOURCE] == (
        f'snapshot; date="{date}"; graph="https://w3id.org/newskg/graph/wikidata-snapshot"')
    assert WEAK_TAG.fullmatch(response.headers["etag"])  # the snapshot only changes with a write
    again = _get(server, WIKIDATA_LABEL, headers={"Accept": "application/sparql-results+json",
                                                  "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.headers[SOURCE] == response.headers[SOURCE]
    posted = httpx.post(server.url + "/sparql", data={"query": WIKIDATA_LABEL})
    assert posted.status_code == 200 and posted.headers[SOURCE] == response.headers[SOURCE]


def test_answers_without_wikidata_service_have_no_source_header(server):
    assert SOURCE not in _get(server).headers
    snapshot_graph = ("SELECT ?l WHERE { GRAPH <https://w3id.org/newskg/graph/wikidata-snapshot> { "
                      "<http://www.wikidata.org/entity/Q232> <http://www.w3.org/2000/01/rdf-schema#label> ?l } }")
    assert SOURCE not in _get(server, snapshot_graph).headers  # asked of the graph directly: not a SERVICE answer
    comment = "# SERVICE <https://query.wikidata.org/sparql>\nASK {}"
    assert SOURCE not in _get(server, comment).headers


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_linked_data_pages_are_conditional(server, accept):
    page = server.url + "/doc/id/actor/tokayev"
    first = httpx.get(page, headers={"Accept": accept})
    tag = first.headers["etag"]
    assert first.status_code == 200 and WEAK_TAG.fullmatch(tag) and first.headers["cache-control"] == "no-cache"
    again = httpx.get(page, headers={"Accept": accept, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = "text/turtle" if accept == "text/html" else "text/html"
    assert httpx.get(page, headers={"Accept": other}).headers["etag"] != tag  # one tag per representation
    update = {"update": "INSERT DATA { <https://w3id.org/newskg/id/actor/tokayev> <urn:x:p> 'page tag' }"}
    assert httpx.post(server.url + "/sparql", data=update, headers=AUTH).status_code == 204
    after = httpx.get(page, headers={"Accept": accept, "If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag and b"page tag" in after.content
    assert httpx.get(server.url + "/doc/id/actor/nobody", headers={"If-None-Match": "*"}).status_code == 404


def test_the_openapi_document_lists_the_conditional_answers(client):
    """A schema-driven client learns of If-None-Match, 304 on the reads, and 412 on POST /sparql."""
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/sparql", "get"), ("/store", "get"), ("/store", "head"), ("/store/{path}", "get"),
                         ("/.well-known/void", "get"), ("/doc/{path}", "get")):
        operation = paths[path][method]
        assert "304" in operation["responses"] and "200" in operation["responses"], (path, method)
        assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in operation["parameters"]), path
    post = paths["/sparql"]["post"]
    assert "412" in post["responses"] and "304" not in post["responses"]
