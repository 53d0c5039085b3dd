"""`GET /sparql` is answered before the app's middleware and routing (web/app.py: NewsKGApp); a browser's request,
which carries Origin, takes the full stack for CORS. Both must give the same answer, status, headers and errors, on
a real `newskg serve`."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from newskg_test_servers import RunningServer

CORS_HEADERS = {"access-control-allow-origin", "access-control-expose-headers", "access-control-allow-credentials"}
RUNTIME_HEADERS = {"date", "server"}
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
CASES = [
    ("select json", {"query": SELECT}, {"Accept": "application/sparql-results+json"}),
    ("select csv by format", {"query": SELECT, "format": "csv"}, {}),
    ("ask xml", {"query": "ASK { ?s ?p ?o }"}, {"Accept": "application/sparql-results+xml"}),
    ("construct turtle", {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"}, {"Accept": "text/turtle"}),
    ("describe n-triples", {"query": "DESCRIBE <https://w3id.org/newskg/id/no-such>"}, {"Accept": "application/n-triples"}),
    ("with default graph", {"query": SELECT, "default-graph-uri": "urn:x-nothing"}, {}),
    ("malformed", {"query": "SELECT ?x WHERE { ?x ?y }"}, {}),
    ("not acceptable", {"query": SELECT}, {"Accept": "image/png"}),
    ("two queries", [("query", SELECT), ("query", SELECT)], {}),
    ("update by GET", {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, {}),
    ("service description", {}, {"Accept": "text/turtle"}),
    ("service not allowed", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}, {}),
    ("too deep", {"query": "SELECT * WHERE " + "{" * 300 + " ?s ?p ?o " + "}" * 300}, {}),
    ("bad timeout", {"query": SELECT, "timeout": "-1"}, {}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RunningServer(tmp_path_factory.mktemp("direct") / "store", {"NEWSKG_WIKIDATA_OFFLINE": "true"})
    yield running
    running.stop()


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in CORS_HEADERS | RUNTIME_HEADERS}


@pytest.mark.parametrize("params, headers", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_answer_with_and_without_origin(server, params, headers):
    direct = httpx.get(server.url + "/sparql", params=params, headers=headers, timeout=60)
    routed = httpx.get(server.url + "/sparql", params=params, headers={**headers, "Origin": "https://example.org"},
                       timeout=60)
    assert direct.status_code == routed.status_code
    ignored = set()
    if direct.headers.get("content-type", "").startswith("text/turtle"):  # blank node labels differ per answer
        assert isomorphic(Graph().parse(data=direct.text, format="turtle"), Graph().parse(data=routed.text, format="turtle"))
        ignored.add("content-length")
    else:
        assert direct.content == routed.content
    assert ({k: v for k, v in _headers(direct).items() if k not in ignored}
            == {k: v for k, v in _headers(routed).items() if k not in ignored})
    assert "Origin" in direct.headers["vary"]  # a shared cache must not give this answer to a browser's request
    assert routed.headers["access-control-allow-origin"] == "*"  # the full stack answered CORS
    assert "access-control-allow-origin" not in direct.headers
    assert direct.status_code < 500 and b"Traceback" not in direct.content


def test_each_error_has_its_status(server):
    statuses = {}
    for name, params, headers in CASES:
        statuses[name] = httpx.get(server.url + "/sparql", params=params, headers=headers, timeout=60).status_code
    assert statuses["select json"] == statuses["service description"] == 200
    assert statuses["malformed"] == statuses["two queries"] == statuses["update by GET"] == 400
    assert statuses["not acceptable"] == 406
    assert statuses["too deep"] == 400 and statuses["service not allowed"] in (400, 403)


def test_conditional_request_on_the_direct_path(server):
    first = httpx.get(server.url + "/sparql", params={"query": SELECT}, timeout=60)
    again = httpx.get(server.url + "/sparql", params={"query": SELECT}, headers={"If-None-Match": first.headers["etag"]},
                      timeout=60)
    assert again.status_code == 304 and again.content == b""


def test_an_unexpected_failure_is_a_bare_500(monkeypatch, tmp_path):
    """A fault of ours on the direct path answers as the app's handler of unexpected errors does: 500, a JSON body
    without the exception's text, logged."""
    from starlette.testclient import TestClient

    from newskg.core.config import Settings
    from newskg.web.app import create_app

    app = create_app(Settings(store=tmp_path / "store", load_seed=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        def broken(*args, **kwargs):
            raise RuntimeError("secret engine detail /etc/passwd")

        monkeypatch.setattr(app.state.kg, "answer_async", broken)
        for headers in ({}, {"Origin": "https://example.org"}):
            response = client.get("/sparql", params={"query": "ASK {}"}, headers=headers)
            assert response.status_code == 500
            assert "secret" not in response.text and "passwd" not in response.text
            assert response.json()["message"] == "internal error; see the server log"


def test_an_oversized_get_is_refused_on_both_paths_and_the_server_lives(server):
    """A query string of 200 KB never reaches the handler: the HTTP parser refuses it, with or without Origin."""
    import socket
    from urllib.parse import quote, urlsplit

    target = urlsplit(server.url)
    query = quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * 200_000)
    for origin in ("", "Origin: https://example.org\r\n"):
        with socket.create_connection((target.hostname, target.port), timeout=30) as sock:
            sock.sendall(f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\n{origin}Connection: close\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert 400 <= status < 500 and b"Traceback" not in answer
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200


def test_relative_iris_resolve_against_the_url_each_request_was_sent_to(server):
    """The endpoint URL, a query's base IRI, is remembered per Host header and path, and the result cache keys answers
    by it too: requests naming another host get their own base, never the answer or base of an earlier request."""
    query = {"query": "SELECT ?i WHERE { BIND(<relative> AS ?i) }"}
    seen = set()
    for host in ("127.0.0.1", "example.org", "127.0.0.1", "localhost:8080"):
        response = httpx.get(server.url + "/sparql", params=query, headers={"Host": host, "Accept":
                             "application/sparql-results+json"}, timeout=30)
        assert response.status_code == 200
        iri = response.json()["results"]["bindings"][0]["i"]["value"]
        assert iri == f"http://{host}/relative"
        seen.add(iri)
    assert len(seen) == 3


def test_a_host_header_that_is_not_a_host_gives_the_servers_own_base(server):
    """A Host header with characters no host has (quotes, brackets, spaces) cannot become the query's base IRI: the
    server's own address is used, and the answer is not a 500. A long but well-formed host is used as sent."""
    query = {"query": "SELECT ?i WHERE { BIND(<relative> AS ?i) }"}
    long_host = "a" * 5000
    response = httpx.get(server.url + "/sparql", params=query, headers={"Host": long_host}, timeout=30)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["i"]["value"] == f"http://{long_host}/relative"
    for host in ('ev il>"{}', "[::1", "h:99999"):
        response = httpx.get(server.url + "/sparql", params=query, headers={"Host": host, "Accept":
                             "application/sparql-results+json"}, timeout=30)
        assert response.status_code == 200, (host[:20], response.text[:200])
        assert response.json()["results"]["bindings"][0]["i"]["value"] == server.url + "/relative"


def test_the_remembered_endpoint_urls_stay_few_however_many_hosts_are_named(client):
    """Every Host header names another endpoint URL; at most 256 are kept, so naming many cannot grow the server."""
    from newskg.web import sparql

    for n in range(300):
        response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Host": f"h{n}.example"})
        assert response.status_code == 200
        assert len(sparql._ENDPOINTS) <= 256
    assert any(key[3] == "h299.example" for key in sparql._ENDPOINTS)
