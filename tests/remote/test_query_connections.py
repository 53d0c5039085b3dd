"""RemoteSparqlStore's plain keep-alive query connections, against a small loopback SPARQL stand-in (no Virtuoso)."""

from __future__ import annotations

import base64
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newskg.core.errors import QueryTimeoutError, StoreError
from newskg.stores.remote import RemoteSparqlStore

ANSWER = (b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"typed-literal",'
          b'"datatype":"http://www.w3.org/2001/XMLSchema#integer","value":"7"}}]}}')
BOOLEAN_ROWS = (b'{"head":{"vars":["b"]},"results":{"bindings":[{"b":{"type":"typed-literal",'
                b'"datatype":"http://www.w3.org/2001/XMLSchema#boolean","value":"1"}},'
                b'{"b":{"type":"bnode","value":"nodeID://b5"}}]}}')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        form = urllib.parse.parse_qs(body.decode())
        server.seen.append({"port": self.client_address[1], "form": form, "auth": self.headers.get("Authorization"),
                            "content_type": self.headers.get("Content-Type")})
        if server.delay_s:
            time.sleep(server.delay_s)
        if server.want_basic and self.headers.get("Authorization") != server.want_basic:
            self._send(401, b"", {"WWW-Authenticate": 'Basic realm="x"'})
            return
        if server.want_digest and not (self.headers.get("Authorization") or "").startswith("Digest "):
            self._send(401, b"", {"WWW-Authenticate": 'Digest realm="x", nonce="abc", qop="auth"'})
            return
        self._send(200, server.answer, {"Content-Type": "application/sparql-results+json"})
        if server.close_after_answer:  # as a server whose keep-alive timeout passed, without saying so
            self.close_connection = True

    def _send(self, status, body, headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stand_in():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.seen, server.delay_s, server.want_basic, server.want_digest, server.answer = [], 0.0, None, False, ANSWER
    server.close_after_answer = False
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    yield server
    server.shutdown()
    server.server_close()


def _value(store, query="SELECT ?x WHERE { ?s ?p ?x }"):
    return [row["x"].value for row in store.query(query).rows()]


def test_queries_reuse_one_keep_alive_connection_and_send_the_form(stand_in):
    store = RemoteSparqlStore(stand_in.url, dialect="virtuoso")
    try:
        assert store._queries is not None
        for _ in range(5):
            assert _value(store) == ["7"]
        assert len({seen["port"] for seen in stand_in.seen}) == 1
        form = stand_in.seen[0]["form"]
        assert form["default-graph-uri"] == ["urn:x-newskg:default-graph"]
        assert form["query"][0].endswith("SELECT ?x WHERE { ?s ?p ?x }")
        assert stand_in.seen[0]["content_type"] == "application/x-www-form-urlencoded"
    finally:
        store.close()


def test_a_connection_closed_by_the_server_while_idle_is_replaced(stand_in):
    store = RemoteSparqlStore(stand_in.url)
    try:
        stand_in.close_after_answer = True
        for _ in range(3):
            assert _value(store) == ["7"]
            time.sleep(0.05)  # the server's close reaches the idle connection
        assert len({seen["port"] for seen in stand_in.seen}) == 3
    finally:
        store.close()


def test_virtuoso_booleans_and_blank_nodes_are_still_normalised(stand_in):
    stand_in.answer = BOOLEAN_ROWS
    store = RemoteSparqlStore(stand_in.url, dialect="virtuoso")
    try:
        rows = store.query("SELECT ?b WHERE { ?s ?p ?b }").rows()
        assert rows[0]["b"].value == "true" and rows[1]["b"].value == "b5"
    finally:
        store.close()


def test_basic_credentials_go_with_every_query(stand_in):
    stand_in.want_basic = "Basic " + base64.b64encode(b"user:s\xc3\xa9cret").decode()
    store = RemoteSparqlStore(stand_in.url, user="user", password="sécret", auth="basic")
    try:
        assert _value(store) == ["7"] and store._queries is not None
        assert len(stand_in.seen) == 1
    finally:
        store.close()


def test_a_digest_challenge_hands_queries_to_httpx(stand_in):
    stand_in.want_digest = True
    store = RemoteSparqlStore(stand_in.url, user="user", password="secret", auth="digest")
    try:
        assert _value(store) == ["7"]
        assert store._queries is None  # from now on httpx, which answers the challenge
        assert stand_in.seen[-1]["auth"].startswith("Digest ")
        assert _value(store) == ["7"]
    finally:
        store.close()


def test_a_refusal_without_credentials_is_reported(stand_in):
    stand_in.want_basic = "Basic nothing-we-send"
    store = RemoteSparqlStore(stand_in.url)
    try:
        with pytest.raises(StoreError, match="refused"):
            store.query("ASK {}")
    finally:
        store.close()


def test_a_slow_answer_is_a_query_timeout(stand_in):
    stand_in.delay_s = 2.5
    store = RemoteSparqlStore(stand_in.url, timeout_s=1.0)
    try:
        with pytest.raises(QueryTimeoutError):
            store.query("ASK {}")
    finally:
        store.close()


def test_nothing_listening_is_a_store_error():
    store = RemoteSparqlStore("http://127.0.0.1:9/sparql")
    try:
        with pytest.raises(StoreError, match="cannot reach"):
            store.query("ASK {}")
    finally:
        store.close()


def test_https_and_proxied_endpoints_stay_with_httpx(monkeypatch):
    assert RemoteSparqlStore("https://127.0.0.1:9/sparql")._queries is None
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert RemoteSparqlStore("http://db.example:8890/sparql")._queries is None
