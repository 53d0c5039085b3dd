"""No user text is ever pasted into SPARQL: request values reach the engine as terms (by substitution), or are refused.

Hostile strings (closing IRIs and braces, deep nesting, comments, newlines, quotes, backslashes, escapes, very long
values) are walked through every route that turns a request value into a query or update, over the real app and an
on-disk store. A recording wrapper around the store's query and update methods sees every SPARQL text that reaches
the engine: the payload must be in none of them, no answer may be a 5xx, and the store must be unchanged.
"""

from __future__ import annotations

import io
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pyoxigraph as ox
import pytest

from newskg.core.errors import ProtocolError
from newskg.stores.remote import RemoteSparqlStore
from newskg.sparql.terms import iri, substitute
from newskg_test_servers import LoopbackServer

AUTH = {"Authorization": "Bearer test-token"}
MARKER = "EVIL"  # in every payload; in no SPARQL text of ours
PAYLOADS = [
    f"x> }} ; DROP ALL ; INSERT DATA {{ <urn:{MARKER}:s> <urn:x:p> <urn:x:o> }} #",
    f"}} ; DROP ALL ; INSERT DATA {{ {MARKER}",
    f"x> ?p ?o . {MARKER}" + "{" * 5000,
    f"x> ?p ?o FILTER({MARKER}" + "(" * 5000,
    f"# {MARKER} comment\n}} DROP ALL",
    f"x\n{MARKER}\r\nDROP ALL",
    f'x" ; DROP ALL ; "{MARKER}',
    f"x' . FILTER(true) '{MARKER}",
    f"x\\> }} DROP ALL {MARKER}",
    f"x\\u003e }} UNION {{ ?s ?p ?o }} {MARKER}",
    f"x%3E {MARKER} %7D",
    f"x>{MARKER}" + "y" * 30_000,
]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ASSERTION = (FIXTURES / "assertion-ok.trig").read_bytes()
TRIPLE = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
NT = {"Content-Type": "application/n-triples"}
UPDATE = "INSERT { <urn:x:s> <urn:x:p> ?o } WHERE { ?s ?p ?o }"
TOKAYEV = "https://w3id.org/newskg/id/actor/tokayev"


def _hostile_requests(payload: str) -> list[tuple[str, str, dict]]:
    """Every route that takes a value into a query or update, with `payload` as that value."""
    segment = quote(payload, safe="")
    graph = {"graph": payload}
    return [
        ("get", f"/assertions/{segment}", {}),
        ("delete", f"/assertions/{segment}", {"headers": AUTH}),
        ("get", "/store", {"params": graph}),
        ("put", "/store", {"params": graph, "content": TRIPLE, "headers": {**AUTH, **NT}}),
        ("post", "/store", {"params": graph, "content": TRIPLE, "headers": {**AUTH, **NT}}),
        ("delete", "/store", {"params": graph, "headers": AUTH}),
        ("get", f"/store/{segment}", {}),
        ("delete", f"/store/{segment}", {"headers": AUTH}),
        ("get", f"/id/{segment}", {}),
        ("get", f"/id/actor/{segment}", {}),
        ("get", f"/doc/{segment}", {}),
        ("get", f"/doc/id/actor/{segment}.ttl", {}),
        ("get", f"/graph/{segment}", {}),
        ("get", f"/article/{segment}", {}),
        ("get", f"/ontology/{segment}", {}),
        ("post", "/validate", {"params": {"shapes-graph": payload}, "content": TRIPLE, "headers": NT}),
        ("get", "/sparql", {"params": {"query": "ASK {}", "default-graph-uri": payload}}),
        ("get", "/sparql", {"params": {"query": "ASK {}", "named-graph-uri": payload}}),
        ("post", "/sparql", {"data": {"update": UPDATE, "using-graph-uri": payload}, "headers": AUTH}),
        ("post", "/sparql", {"data": {"update": UPDATE, "using-named-graph-uri": payload}, "headers": AUTH}),
    ]


@pytest.fixture
def recorded(client):
    """Every SPARQL text the app's store is asked to evaluate, with its bindings."""
    store = client.app.state.kg.store
    seen: list[tuple[str, dict | None]] = []
    query, update = store.query, store.update

    def recording_query(sparql, **kwargs):
        seen.append((sparql, kwargs.get("bindings")))
        return query(sparql, **kwargs)

    def recording_update(sparql, **kwargs):
        seen.append((sparql, None))
        return update(sparql, **kwargs)

    store.query, store.update = recording_query, recording_update
    yield seen
    del store.query, store.update


def _content(client) -> set[bytes]:
    out = io.BytesIO()
    client.app.state.kg.export(out, ox.RdfFormat.N_QUADS)
    return set(out.getvalue().splitlines())


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: repr(p[:24]))
def test_hostile_values_are_refused_or_substituted_never_pasted(client, recorded, payload):
    before = _content(client)
    for method, path, kwargs in _hostile_requests(payload):
        response = client.request(method.upper(), path, follow_redirects=False, **kwargs)
        where = f"{method.upper()} {path[:60]} {str(kwargs.get('params') or kwargs.get('data'))[:60]}"
        assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
        assert "Traceback" not in response.text
        pasted = [text[:200] for text, _ in recorded if MARKER in text]
        assert not pasted, f"{where}: the payload reached SPARQL text: {pasted}"
    assert _content(client) == before


def test_request_values_reach_the_engine_as_bound_terms(client, recorded):
    """A valid IRI or id is not pasted either: the query text stays the same, the value is a substitution."""
    assert client.get("/id/actor/tokayev", follow_redirects=False).status_code == 303
    assert client.get("/assertions/" + "0" * 24).status_code == 404
    assert recorded, "the lookups queried the store"
    assert not any(TOKAYEV in text or "0" * 24 in text for text, _ in recorded)
    bound = [b for _, b in recorded if b]
    assert {"r": ox.NamedNode(TOKAYEV)} in bound
    assert any(term.value.endswith("/assertion/" + "0" * 24) for b in bound for term in b.values())


def test_a_malformed_assertion_id_is_404_before_any_query(client, recorded):
    for assertion_id in ("0" * 23, "0" * 25, "A" * 24, "g" * 24, "0" * 23 + "\n"):
        response = client.get("/assertions/" + quote(assertion_id, safe=""))
        assert response.status_code == 404, assertion_id
    assert recorded == []


def test_the_parser_overflowing_id_is_404_and_the_server_stays_up(server):
    """This id closed the IRI and opened thousands of groups: the engine's parser overflowed its stack and the
    server process died. Now the id is checked first and never reaches SPARQL."""
    payload = "x> ?p ?o . " + "{" * 4000
    started = time.monotonic()
    response = httpx.get(f"{server.url}/assertions/{quote(payload, safe='')}", timeout=30)
    assert response.status_code == 404 and time.monotonic() - started < 5
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
    assert server.process.poll() is None


# --- the rewriting a remote store needs (it has no SEP-0007 substitution) ---------------------------------------
def test_substitution_by_rewriting_replaces_variable_tokens_only():
    a = ox.NamedNode("urn:a")
    text = 'SELECT ?x ?y WHERE { ?x <urn:p?x> "?x" . # ?x\n ?y ?p $x FILTER(?x != ?xy) } ORDER BY ?x DESC(?x)'
    assert substitute(text, {"x": a}) == (
        'SELECT (<urn:a> AS ?x) ?y WHERE { <urn:a> <urn:p?x> "?x" . # ?x\n ?y ?p <urn:a> FILTER(<urn:a> != ?xy) }'
        " ORDER BY (<urn:a>) DESC(<urn:a>)"
    )
    literal = ox.Literal('a "quoted" } DROP ALL', language="en")
    assert substitute("ASK { ?s ?p ?v }", {"v": literal}) == 'ASK { ?s ?p "a \\"quoted\\" } DROP ALL"@en }'


def test_rewritten_queries_answer_as_the_engines_substitution_does(client):
    """Every query the pages and assertions make with bindings gives the same answer when the terms are written
    into the text (as for a remote store) as when the engine substitutes them."""
    store = client.app.state.kg.store
    query = store.query
    compared: list[str] = []
    differ: list[str] = []

    def answer(sparql, **kwargs):
        result = query(sparql, **kwargs)
        if result.kind == "boolean":
            return result.boolean
        if result.kind == "graph":
            return sorted(str(t) for t in result.engine_result)
        return sorted(sorted((k, str(v)) for k, v in row.items()) for row in result.rows())

    def comparing_query(sparql, **kwargs):
        bindings = kwargs.get("bindings")
        if bindings:
            plain = {k: v for k, v in kwargs.items() if k != "bindings"}
            compared.append(sparql)
            if answer(sparql, **kwargs) != answer(substitute(sparql, bindings), **plain):
                differ.append(sparql)
        return query(sparql, **kwargs)

    store.query = comparing_query
    try:
        for path in ("/id/actor/tokayev", "/doc/id/actor/tokayev", "/doc/id/claim/nunl-6177422-16",
                     "/doc/id/claim/nunl-6177422-16.trig", "/article/nunl-6177422"):
            assert client.get(path, follow_redirects=True).status_code == 200, path
        created = client.post("/assertions", content=ASSERTION, headers={**AUTH, "Content-Type": "application/trig"})
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        assert client.get(location).status_code == 200
        assert client.delete(location, headers=AUTH).status_code == 200
    finally:
        del store.query
    assert len(set(compared)) >= 15 and differ == []


# --- a remote store: the same terms, written into the text it sends ----------------------------------------------
class _LoopbackSparql(LoopbackServer):
    """A SPARQL 1.1 Protocol endpoint on 127.0.0.1 over an in-memory pyoxigraph store; it records each text."""

    def __init__(self):
        self.store = ox.Store()
        self.texts: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # a short query comes in the URL
                self.do_POST()

            def do_POST(self):
                if self.command == "GET":
                    form = parse_qs(urlsplit(self.path).query)
                else:
                    form = parse_qs(self.rfile.read(int(self.headers.get("content-length") or 0)).decode())
                text = (form.get("query") or form.get("update"))[0]
                outer.texts.append(text)
                try:
                    if "update" in form:
                        outer.store.update(text)
                        body, media = b"", "text/plain"
                    else:
                        result = outer.store.query(text, default_graph=[ox.DefaultGraph()])
                        if isinstance(result, ox.QueryTriples):
                            body, media = result.serialize(format=ox.RdfFormat.N_TRIPLES), "application/n-triples"
                        else:
                            body = result.serialize(format=ox.QueryResultsFormat.JSON)
                            media = "application/sparql-results+json"
                    status = 200
                except SyntaxError as exc:
                    body, media, status = str(exc).encode(), "text/plain", 400
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.serve(Handler)



@pytest.fixture
def loopback_sparql():
    endpoint = _LoopbackSparql()
    yield endpoint
    endpoint.close()


def test_a_remote_store_writes_bound_terms_into_its_text_and_refuses_other_graph_names(loopback_sparql):
    graph = "urn:x:graph"
    loopback_sparql.store.add(ox.Quad(iri("urn:x:s"), iri("urn:x:p"), ox.Literal("o"), iri(graph)))
    remote = RemoteSparqlStore(loopback_sparql.url, timeout_s=10)
    try:
        assert remote.has_graph(graph) and not remote.has_graph("urn:x:other")
        out = io.BytesIO()
        remote.dump(out, ox.RdfFormat.N_TRIPLES, graph=graph)
        assert out.getvalue().strip() == b'<urn:x:s> <urn:x:p> "o" .'
        rows = remote.query("SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": iri(graph)}).rows()
        assert rows == [{"g": iri(graph), "s": iri("urn:x:s")}]
        assert any(f"(<{graph}> AS ?g)" in text for text in loopback_sparql.texts)
        sent = len(loopback_sparql.texts)
        for payload in PAYLOADS:
            with pytest.raises(ProtocolError):
                remote.has_graph(payload)
            with pytest.raises(ProtocolError):
                remote.dump(io.BytesIO(), ox.RdfFormat.N_TRIPLES, graph=payload)
            with pytest.raises(ProtocolError):
                remote.load(TRIPLE, ox.RdfFormat.N_TRIPLES, graph=payload)
        assert len(loopback_sparql.texts) == sent, "a refused graph name sent nothing"
        assert not any(MARKER in text for text in loopback_sparql.texts)
    finally:
        remote.close()
