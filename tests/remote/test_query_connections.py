"""RemoteSparqlStore's plain keep-alive query connections, against a small loopback SPARQL stand-in (no Virtuoso).

Each behaviour is checked twice: through the blocking connections (`query`, callers in threads) and through the
event loop's own (`aquery`, the server's queries)."""

from __future__ import annotations

import asyncio
import base64
import random
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newskg.core.errors import QueryTimeoutError, StoreError
from newskg.stores.interface import QueryResult
from newskg.stores.query_connections import EventLoopQueryConnections, form_body
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

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        server = self.server
        if self.command == "GET":
            form = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        else:
            form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        server.seen.append({"port": self.client_address[1], "form": form, "auth": self.headers.get("Authorization"),
                            "content_type": self.headers.get("Content-Type"), "method": self.command})
        if server.delay_s:
            time.sleep(server.delay_s)
        if server.want_basic and self.headers.get("Authorization") != server.want_basic:
            self._send(401, b"", {"WWW-Authenticate": 'Basic realm="x"'})
            return
        if server.want_digest and not (self.headers.get("Authorization") or "").startswith("Digest "):
            self._send(401, b"", {"WWW-Authenticate": 'Digest realm="x", nonce="abc", qop="auth"'})
            return
        if server.style != "length":
            self._send_styled(server.style, server.answer)
            return
        self._send(200, server.answer, {"Content-Type": "application/sparql-results+json"})
        if server.close_after_answer:  # as a server whose keep-alive timeout passed, without saying so
            self.close_connection = True

    def _send_styled(self, style, body):
        """An answer in chunks, one ended by closing the connection, or bytes that are not HTTP."""
        if style == "garbage":
            self.wfile.write(b"HTTP/1.1 2OO NOT A STATUS\r\n\r\n")
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        if style == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 7):
                piece = body[start:start + 7]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:  # until-close: no length, the body ends with the connection
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
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
    server.close_after_answer, server.style = False, "length"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    yield server
    server.shutdown()
    server.server_close()


def _run(coroutine):
    """Run a coroutine to its end on a loop of its own, in a thread of its own (the suite may have a loop running in
    this thread)."""
    with ThreadPoolExecutor(1) as loop_thread:
        return loop_thread.submit(asyncio.run, coroutine).result()


class Asker:
    """Asks a store a query the way one kind of caller does: `query` (callers in threads), or `aquery` on one event
    loop kept for the whole test, as the server has (running in a thread of its own)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None):
        self.loop = loop

    @property
    def on_loop(self) -> bool:
        return self.loop is not None

    def __call__(self, store, query):
        """The rows of the answer."""
        if self.loop is None:
            return store.query(query).rows()
        return asyncio.run_coroutine_threadsafe(store.aquery(query, QueryResult.rows), self.loop).result()


@pytest.fixture(params=["blocking", "event loop"])
def ask(request):
    if request.param == "blocking":
        yield Asker()
        return
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-event-loop", daemon=True)
    thread.start()
    try:
        yield Asker(loop)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def _value(store, ask, query="SELECT ?x WHERE { ?s ?p ?x }"):
    return [row["x"].value for row in ask(store, query)]


def test_queries_reuse_one_keep_alive_connection_and_send_the_form(stand_in, ask):
    store = RemoteSparqlStore(stand_in.url, dialect="virtuoso")
    try:
        assert store._queries is not None
        for _ in range(5):
            assert _value(store, ask) == ["7"]
        assert (store._loop_queries is not None) == ask.on_loop
        assert len({seen["port"] for seen in stand_in.seen}) == 1
        form = stand_in.seen[0]["form"]
        assert form["default-graph-uri"] == ["urn:x-newskg:default-graph"]
        assert form["query"][0].endswith("SELECT ?x WHERE { ?s ?p ?x }")
        assert stand_in.seen[0]["method"] == "GET"  # a short query goes in the URL
    finally:
        store.close()


def test_a_connection_closed_by_the_server_while_idle_is_replaced(stand_in, ask):
    store = RemoteSparqlStore(stand_in.url)
    try:
        stand_in.close_after_answer = True
        for _ in range(3):
            assert _value(store, ask) == ["7"]
            time.sleep(0.05)  # the server's close reaches the idle connection
        assert len({seen["port"] for seen in stand_in.seen}) == 3
    finally:
        store.close()


def test_virtuoso_booleans_and_blank_nodes_are_still_normalised(stand_in, ask):
    stand_in.answer = BOOLEAN_ROWS
    store = RemoteSparqlStore(stand_in.url, dialect="virtuoso")
    try:
        rows = ask(store, "SELECT ?b WHERE { ?s ?p ?b }")
        assert rows[0]["b"].value == "true" and rows[1]["b"].value == "b5"
    finally:
        store.close()


def test_basic_credentials_go_with_every_query(stand_in, ask):
    stand_in.want_basic = "Basic " + base64.b64encode(b"user:s\xc3\xa9cret").decode()
    store = RemoteSparqlStore(stand_in.url, user="user", password="sécret", auth="basic")
    try:
        assert _value(store, ask) == ["7"] and store._queries is not None
        assert len(stand_in.seen) == 1
    finally:
        store.close()


def test_a_digest_challenge_hands_queries_to_httpx(stand_in, ask):
    stand_in.want_digest = True
    store = RemoteSparqlStore(stand_in.url, user="user", password="secret", auth="digest")
    try:
        assert _value(store, ask) == ["7"]
        assert store._queries is None and store._loop_queries is None  # from now on httpx, which answers it
        assert stand_in.seen[-1]["auth"].startswith("Digest ")
        assert _value(store, ask) == ["7"]
    finally:
        store.close()


FAILURES = {  # what the stand-in is made to do, the store's settings, and the error a query gets
    "refused without credentials": ({"want_basic": "Basic nothing-we-send"}, {}, StoreError, "refused"),
    "too slow": ({"delay_s": 2.5}, {"timeout_s": 1.0}, QueryTimeoutError, "did not answer"),
    "nothing listening": ({}, {"url": "http://127.0.0.1:9/sparql"}, StoreError, "cannot reach"),
    "not HTTP": ({"style": "garbage"}, {}, StoreError, "cannot reach"),
}


@pytest.mark.parametrize("case", FAILURES)
def test_failures_are_reported_as_store_errors(stand_in, ask, case):
    server_settings, store_settings, error, message = FAILURES[case]
    store_settings = dict(store_settings)
    for key, value in server_settings.items():
        setattr(stand_in, key, value)
    store = RemoteSparqlStore(store_settings.pop("url", stand_in.url), **store_settings)
    try:
        with pytest.raises(error, match=message):
            ask(store, "ASK {}")
        if case == "not HTTP":
            stand_in.style = "length"
            assert _value(store, ask) == ["7"]  # the broken connection is not used again
    finally:
        store.close()


def test_https_and_proxied_endpoints_stay_with_httpx(monkeypatch):
    assert RemoteSparqlStore("https://127.0.0.1:9/sparql")._queries is None
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert RemoteSparqlStore("http://db.example:8890/sparql")._queries is None


@pytest.mark.parametrize("style", ["chunked", "until-close"])
def test_chunked_and_close_delimited_answers_are_read_whole(stand_in, ask, style):
    stand_in.style = style
    store = RemoteSparqlStore(stand_in.url, dialect="virtuoso")
    try:
        for _ in range(2):
            assert _value(store, ask) == ["7"]
    finally:
        store.close()


def test_a_large_answer_is_read_whole(stand_in, ask):
    rows = 20_000  # about 1.4 MB: read and parsed in a thread when it comes to the event loop
    bindings = ",".join(f'{{"x":{{"type":"literal","value":"v{i}"}}}}' for i in range(rows))
    stand_in.answer = ('{"head":{"vars":["x"]},"results":{"bindings":[' + bindings + "]}}").encode()
    store = RemoteSparqlStore(stand_in.url)
    try:
        values = _value(store, ask)
        assert len(values) == rows and values[0] == "v0" and values[-1] == f"v{rows - 1}"
    finally:
        store.close()


def test_a_query_given_up_by_its_caller_leaves_no_connection_behind(stand_in):
    """The server gives up a query when its client goes away (the task is cancelled): that connection still has
    an answer coming, so it must be closed, not reused for the next query."""
    store = RemoteSparqlStore(stand_in.url)

    async def scenario():
        stand_in.delay_s = 1.0
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(store.aquery("SELECT ?x WHERE { ?s ?p ?x }", QueryResult.rows), 0.2)
        assert store._loop_queries._idle == []
        stand_in.delay_s = 0.0
        rows = await store.aquery("SELECT ?x WHERE { ?s ?p ?x }", QueryResult.rows)
        return [row["x"].value for row in rows]

    try:
        assert _run(scenario()) == ["7"]
        ports = [seen["port"] for seen in stand_in.seen]
        assert len(ports) == 2 and ports[0] != ports[1]
    finally:
        store.close()


def test_each_event_loop_gets_its_own_connections(stand_in):
    store = RemoteSparqlStore(stand_in.url)
    try:
        first = _run(_loop_connections_after_a_query(store))
        second = _run(_loop_connections_after_a_query(store))
        assert first is not second and first._closed
    finally:
        store.close()


async def _loop_connections_after_a_query(store):
    await store.aquery("ASK {}", QueryResult.rows)
    return store._loop_queries


def test_a_timed_out_answer_closes_its_connection(stand_in):
    stand_in.delay_s = 2.0
    store = RemoteSparqlStore(stand_in.url, timeout_s=0.5)

    async def scenario():
        with pytest.raises(QueryTimeoutError):
            await store.aquery("ASK {}", QueryResult.rows)
        return store._loop_queries._idle

    try:
        started = time.monotonic()
        assert _run(scenario()) == []
        assert time.monotonic() - started < 1.9  # the store's limit (0.5 s + 1 s of grace), not the answer's delay
    finally:
        store.close()


@pytest.mark.parametrize("text", ["SELECT ?x WHERE { ?s ?p ?x }", "a+b=c&d", "éé ∀ \U0001F600 \n\t%", "", "~_.-"])
def test_form_bodies_are_what_urlencode_writes(text):
    fields = [("query", text), ("default-graph-uri", "urn:x:a b"), ("k&=", text)]
    assert form_body(fields) == urllib.parse.urlencode(fields).encode()


def test_virtuoso_system_graphs_are_excluded_where_a_query_can_name_a_graph(stand_in, ask):
    store = RemoteSparqlStore(stand_in.url, dialect="virtuoso")
    try:
        ask(store, "SELECT ?x WHERE { ?s ?p ?x }")
        ask(store, "SELECT ?x WHERE { GRAPH ?g { ?s ?p ?x } }")
        plain, named = (seen["form"]["query"][0] for seen in stand_in.seen[-2:])
        assert "define" not in plain
        assert named.count("define input:named-graph-exclude") == 4
    finally:
        store.close()


async def _answer_in_pieces(reader, writer):
    """A server that sends each answer in pieces of 1 to 5,000 bytes, sometimes chunked, with a varying number of
    headers, naming the request it answers in a header and in the body."""
    rng = random.Random(4)
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
            if head[0].startswith("GET "):
                form = urllib.parse.urlsplit(head[0].split(" ")[1]).query
            else:
                length = next(int(line.split(":")[1]) for line in head if line.lower().startswith("content-length:"))
                form = (await reader.readexactly(length)).decode()
            ident = urllib.parse.parse_qs(form)["id"][0]
            payload = ('{"id":"%s","pad":"%s"}' % (ident, "x" * rng.randrange(3000))).encode()
            extra = "".join(f"X-Pad-{i}: {'v' * rng.randrange(50)}\r\n" for i in range(rng.randrange(6)))
            if rng.random() < 0.3:
                out = f"HTTP/1.1 200 OK\r\nX-Id: {ident}\r\n{extra}Transfer-Encoding: chunked\r\n\r\n".encode()
                for start in range(0, len(payload), 400):
                    piece = payload[start:start + 400]
                    out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                out += b"0\r\n\r\n"
            else:
                out = f"HTTP/1.1 200 OK\r\nX-Id: {ident}\r\n{extra}Content-Length: {len(payload)}\r\n\r\n".encode() + payload
            start = 0
            while start < len(out):
                size = rng.choice([1, 2, 7, 50, 400, 5000])
                writer.write(out[start:start + size])
                start += size
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


def test_answers_read_in_pieces_go_to_the_request_they_answer():
    async def scenario():
        server = await asyncio.start_server(_answer_in_pieces, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connections = EventLoopQueryConnections(f"http://127.0.0.1:{port}/sparql", 10, 5, {}, asyncio.get_running_loop())
        wrong = []

        async def client(number):
            for i in range(100):
                ident = f"{number}-{i}"
                answer = await connections.ask(f"query=x&id={ident}&pad={'y' * (i * 60)}".encode(), "application/json")
                if answer.headers.get("x-id") != ident or f'"id":"{ident}"'.encode() not in answer.content:
                    wrong.append(ident)

        try:
            await asyncio.gather(*(client(n) for n in range(8)))
        finally:
            connections.close()
            server.close()
        return wrong

    assert _run(scenario()) == []


def test_a_long_query_goes_as_a_form_post(stand_in, ask):
    store = RemoteSparqlStore(stand_in.url)
    long_query = "SELECT ?x WHERE { ?s ?p ?x } # " + "é" * 3000  # 18,000 characters once encoded
    try:
        assert _value(store, ask, long_query) == ["7"]
        assert _value(store, ask) == ["7"]
        (long_seen, short_seen) = stand_in.seen[-2:]
        assert long_seen["method"] == "POST" and long_seen["content_type"] == "application/x-www-form-urlencoded"
        assert long_seen["form"]["query"] == [long_query]
        assert short_seen["method"] == "GET"
    finally:
        store.close()
