"""Requests offering `Upgrade: h2c` (Java's HTTP client, so Jena) keep their body: the offer is ignored (RFC 9110
§7.8), over a real `newskg serve` and raw sockets; and the framing that finds request heads, byte by byte."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import time

import pytest

from newskg.web.http_protocol import RequestFraming, read_head
from newskg_test_servers import RunningServer

H2C = b"Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nUpgrade: h2c\r\n"
LABEL = (b'SELECT ?l WHERE { GRAPH ?g { <http://www.wikidata.org/entity/Q232> <http://www.w3.org/2000/01/rdf-schema#label> '
         b'?l } FILTER(LANG(?l) = "en") }')


def _post(body: bytes, *, offer: bytes = H2C, chunked: bool = False) -> bytes:
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % len(body)
    if chunked:
        body = b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (
            len(body[:10]), body[:10], len(body[10:]), body[10:])
    return (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n" + offer + b"Content-Type: application/sparql-query\r\n"
            b"Accept: text/csv\r\n" + framing + b"\r\n" + body)


class Responses:
    """HTTP/1.1 responses read off one socket, in order."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def next(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RunningServer(tmp_path_factory.mktemp("h2c") / "store")  # `newskg serve`: its HTTP protocol
    yield running
    running.stop()


@pytest.fixture
def connect(server):
    sockets = []

    def open_socket() -> tuple[socket.socket, Responses]:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        sockets.append(sock)
        return sock, Responses(sock)

    yield open_socket
    for sock in sockets:
        sock.close()


def _is_label(response) -> None:
    status, _, body = response
    assert (status, body.replace(b"\r\n", b"\n")) == (200, b"l\nKazakhstan\n")


def test_post_offering_h2c_keeps_its_body(connect):
    sock, responses = connect()
    sock.sendall(_post(LABEL))
    _is_label(responses.next())


@pytest.mark.parametrize("cut", [20, 90, 122, -len(LABEL), -5])  # in the request line, in/after Upgrade, in the body
def test_head_split_across_two_sends_then_a_keep_alive_request(connect, cut):
    request = _post(LABEL)
    assert request[:122].endswith(b"Upgrade: h2")  # cut 122 splits "h2c"
    sock, responses = connect()
    sock.sendall(request[:cut])
    time.sleep(0.05)  # two TCP reads on the server
    sock.sendall(request[cut:])
    _is_label(responses.next())
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # the same connection, kept alive
    status, _, body = responses.next()
    assert status == 200 and b"triples" in body


def test_pipelined_and_chunked_requests_offering_h2c(connect):
    sock, responses = connect()
    sock.sendall(_post(LABEL) + _post(LABEL, chunked=True) + _post(b"ASK {}"))
    _is_label(responses.next())
    _is_label(responses.next())
    status, _, body = responses.next()
    assert status == 200 and body.strip().splitlines()[-1] == b"true"


def test_a_bad_request_after_an_offer_is_still_400(connect):
    sock, responses = connect()
    sock.sendall(_post(b"SELECT * WHERE {"))
    status, _, body = responses.next()
    assert status == 400 and b"syntax" in body.lower()


# --- the framing, without a server ---------------------------------------------------------------------
BODY_WITH_HEAD_TEXT = b'ASK { FILTER("\r\nUpgrade: h2c\r\n\r\nGET / HTTP/1.1\r\n\r\n" != "") }'
WEBSOCKET = b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"
STREAM = [  # (what the client sends, what the parser must get)
    (_post(LABEL), _post(LABEL, offer=b"Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n")),
    (b"\r\n", b"\r\n"),
    (_post(BODY_WITH_HEAD_TEXT, chunked=True),
     _post(BODY_WITH_HEAD_TEXT, chunked=True, offer=b"Connection: Upgrade, HTTP2-Settings\r\n"
           b"HTTP2-Settings: AAMAAABkAAQAAP__\r\n")),
    (_post(BODY_WITH_HEAD_TEXT, offer=b""), _post(BODY_WITH_HEAD_TEXT, offer=b"")),
    (b"GET /a HTTP/1.1\r\nupgrade: H2C, foo/2\r\nConnection: upgrade\r\n\r\n", b"GET /a HTTP/1.1\r\nConnection: upgrade\r\n\r\n"),
    (WEBSOCKET, WEBSOCKET),
]
SENT = b"".join(sent for sent, _ in STREAM)
EXPECTED = b"".join(expected for _, expected in STREAM)


def _through(framing: RequestFraming, chunks) -> tuple[bytes, int]:
    pieces = [piece for chunk in chunks for piece in framing.feed(chunk)]
    assert b"".join(p.raw for p in pieces) == SENT[: sum(len(c) for c in chunks) - len(framing._held)]
    return b"".join(p.data for p in pieces), sum(p.head for p in pieces)


def test_framing_hides_only_non_websocket_offers_at_every_split():
    for cut in range(len(SENT) + 1):
        framing = RequestFraming()
        data, heads = _through(framing, [SENT[:cut], SENT[cut:]])
        assert (data, heads, framing.broken) == (EXPECTED, 5, False), cut


def test_framing_byte_by_byte():
    framing = RequestFraming()
    data, heads = _through(framing, [SENT[i : i + 1] for i in range(len(SENT))])
    assert (data, heads) == (EXPECTED, 5)


def test_heads_it_cannot_read_as_llhttp_does_are_passed_through():
    for head in (b"CONNECT h:443 HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
                 b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                 b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                 b"GET / HTTP/1.1\r\nX: a\r\n folded\r\nUpgrade: h2c\r\n\r\n"):
        assert read_head(head) is None
        framing = RequestFraming()
        pieces = framing.feed(head + b"rest")
        assert b"".join(p.data for p in pieces) == head + b"rest" and framing.broken
        assert [p.data for p in framing.feed(b"more")] == [b"more"]


def test_a_bad_chunk_size_gives_up_rewriting():
    framing = RequestFraming()
    sent = _post(b"", chunked=False).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked") + b"zz\r\n"
    data = b"".join(p.data for p in framing.feed(sent + _post(LABEL)))
    assert framing.broken and data.endswith(_post(LABEL))  # unchanged: llhttp answers 400 and closes


def test_an_endless_head_is_not_held_forever():
    framing = RequestFraming()
    assert framing.feed(b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000) != [] and framing.broken


# --- the protocol in-process: WebSocket upgrades still switch protocols -----------------------------------
class _Transport(asyncio.Transport):
    def __init__(self):
        super().__init__()
        self.protocol, self.closed, self.written = None, False, bytearray()

    def get_extra_info(self, name, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def set_protocol(self, protocol):
        self.protocol = protocol

    def get_protocol(self):
        return self.protocol

    def write(self, data):
        self.written += data

    def close(self):
        self.closed = True

    def is_closing(self):
        return self.closed

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


class _WebSocketProtocol(asyncio.Protocol):
    """Stands in for uvicorn's WebSocket protocol: records what it is handed."""

    def __init__(self, config, server_state, app_state):
        self.received = []

    def connection_made(self, transport):
        pass

    def data_received(self, data):
        self.received.append(data)


async def _echo(scope, receive, send):
    """An ASGI app answering with the request's body and its upgrade header."""
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    upgrade = dict(scope["headers"]).get(b"upgrade", b"-")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % (len(body) + 2 + len(upgrade)))]})
    await send({"type": "http.response.body", "body": upgrade + b"; " + body})


def _feed(chunks, done=lambda transport: True) -> tuple[_Transport, object]:
    """Feed `chunks` to a fresh protocol, then let the loop run until `done(transport)` (at most 10 s: the app's task
    may need many turns of the loop on a busy machine)."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from newskg.web.http_protocol import H2cTolerantProtocol

    async def run():
        protocol = H2cTolerantProtocol(Config(_echo, ws=_WebSocketProtocol, lifespan="off"), ServerState(), {})
        transport = _Transport()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        for chunk in chunks:
            transport.get_protocol().data_received(chunk)
            await asyncio.sleep(0.01)
        deadline = asyncio.get_running_loop().time() + 10
        while not done(transport) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        return transport, protocol

    # a thread of its own: a session's Playwright (tests/browser) keeps an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()


def test_websocket_upgrade_still_switches_protocols():
    transport, protocol = _feed([WEBSOCKET[:40], WEBSOCKET[40:]],
                                done=lambda t: isinstance(t.get_protocol(), _WebSocketProtocol)
                                and b"upgrade: websocket\r\n" in b"".join(t.get_protocol().received).lower())
    switched = transport.get_protocol()
    assert isinstance(switched, _WebSocketProtocol) and switched is not protocol
    assert b"upgrade: websocket\r\n" in b"".join(switched.received).lower()


def test_h2c_offer_in_process_body_kept_and_header_gone():
    body = b"x" * 100_000
    sent = _post(body)
    transport, _ = _feed([sent[:100], sent[100:5000], sent[5000:]], done=lambda t: t.written.endswith(body))
    assert transport.written.startswith(b"HTTP/1.1 200") and transport.written.endswith(b"-; " + body)
