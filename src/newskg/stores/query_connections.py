"""Keep-alive HTTP/1.1 connections that carry queries to a remote SPARQL store over plain http.

Queries are most of the traffic to a remote store, so they skip httpx (which spent about twice the CPU of the request
itself per query: building the request, cookies, auth and redirect hooks, its pool's bookkeeping):

- :class:`QueryConnections`: blocking, on ``http.client``, for callers in threads (the CLI, the write gate, the store's
  own listings);
- :class:`EventLoopQueryConnections`: on the server's event loop, parsed by httptools (uvicorn's parser), so a query
  from a client costs no thread hop and no header parsing in Python.

Both send a request in one write, keep at most IDLE_QUERY_CONNECTIONS idle connections, and replace once a reused
connection that the server closed while it was idle. Whether a URL can use them: :func:`usable` (https, proxies and
authentication challenges stay with httpx).
"""

from __future__ import annotations

import asyncio
import http.client
import string
import threading
import urllib.parse
import urllib.request

import httptools

FORM = "application/x-www-form-urlencoded"
IDLE_QUERY_CONNECTIONS = 32  # keep-alive connections kept for queries (one per concurrent query in use)
# A query whose request target stays within this many characters is sent as a GET (Virtuoso 7.2 spent 6% less CPU on
# a GET than on a form POST of the same query, 8 clients x 300 queries x 4 rounds); longer ones as a form POST.
GET_TARGET_CHARS = 4096


_FORM_SAFE = frozenset((string.ascii_letters + string.digits + "_.-~").encode())
_FORM_BYTE = [chr(b) if b in _FORM_SAFE else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)]


def form_body(fields: list[tuple[str, str]]) -> bytes:
    """An application/x-www-form-urlencoded body, as urllib.parse.urlencode writes it (UTF-8, spaces as "+"), from
    a table instead of a Python step per byte."""
    return "&".join(
        "".join(map(_FORM_BYTE.__getitem__, key.encode())) + "=" + "".join(map(_FORM_BYTE.__getitem__, value.encode()))
        for key, value in fields
    ).encode("ascii")


class HttpAnswer:
    """A response as the store reads it: status, headers (names in lower case) and the whole body."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers, content: bytes):
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def usable(url: str) -> bool:
    """Plain http with no credentials in the URL and no proxy configured for it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.username or parts.password:
        return False
    proxies = urllib.request.getproxies()
    return not (proxies.get("http") or proxies.get("all")) or urllib.request.proxy_bypass(parts.hostname)


class _Endpoint:
    """Where the queries go, and the headers every one carries."""

    def __init__(self, url: str, timeout_s: float, connect_timeout_s: float, headers: dict[str, str]):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout_s, self.connect_timeout_s = timeout_s, connect_timeout_s
        self.headers = headers

    def get_target(self, form: bytes) -> str | None:
        """The request target of a GET carrying `form` in its query string; None when that would be longer than
        GET_TARGET_CHARS (a POST carries it then)."""
        if len(self.target) + len(form) + 1 > GET_TARGET_CHARS:
            return None
        return self.target + ("&" if "?" in self.target else "?") + form.decode("ascii")


class QueryConnections(_Endpoint):
    """Blocking connections (http.client): taken from the idle list (or opened), used by one thread for one request,
    and put back once the answer was read."""

    def __init__(self, url: str, timeout_s: float, connect_timeout_s: float, headers: dict[str, str]):
        super().__init__(url, timeout_s, connect_timeout_s, headers)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def ask(self, form: bytes, headers: dict[str, str]) -> HttpAnswer:
        """Send a query form (GET when short, else POST) and read the answer."""
        target = self.get_target(form)
        if target is None:
            method, target, body, headers = "POST", self.target, form, {**self.headers, **headers, "Content-Type": FORM}
        else:
            method, body, headers = "GET", None, {**self.headers, **headers}
        for attempt in (0, 1):
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout_s)
                    conn.connect()
                    conn.sock.settimeout(self.timeout_s)
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if reused and attempt == 0:  # closed by the server while idle: once more, on a new connection
                    continue
                raise
            except BaseException:
                if conn is not None:
                    conn.close()
                raise
            if response.will_close:
                conn.close()
            else:
                with self._lock:
                    if not self._closed and len(self._idle) < IDLE_QUERY_CONNECTIONS:
                        self._idle.append(conn)
                        conn = None
                if conn is not None:
                    conn.close()
            return HttpAnswer(response.status, response.headers, content)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _Exchange(asyncio.Protocol):
    """One keep-alive connection on the event loop: sends a request, and reads its response with httptools."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._waiter: asyncio.Future | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._parser = None
        self.received = False  # a byte of the current response came
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._status = 0
        self._headers_done = False

    # --- asyncio.Protocol ---
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self._parser is None:  # bytes nobody asked for: the connection is not usable any more
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._finish(exception=ConnectionError(f"the remote store's response could not be read: {exc}"))
            self.close()

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            if self._headers_done and "content-length" not in self._headers and not self._chunked():
                self._finish()  # a body that ends when the connection does (HTTP/1.0 style): complete
            else:
                self._finish(exception=ConnectionResetError("the remote store closed the connection"))

    # --- httptools callbacks ---
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        keep = self._parser.should_keep_alive()
        self._parser = None
        self._finish()
        if not keep:
            self.close()

    # --- use ---
    def _chunked(self) -> bool:
        return "chunked" in self._headers.get("transfer-encoding", "").lower()

    def send(self, data: bytes, timeout_s: float) -> asyncio.Future:
        """Write one request; the future gets its HttpAnswer (or the connection's error, or TimeoutError)."""
        self._waiter = self.loop.create_future()
        self._parser = httptools.HttpResponseParser(self)
        self.received, self._headers, self._body, self._status, self._headers_done = False, {}, [], 0, False
        self._timer = self.loop.call_later(timeout_s, self._timed_out)
        self.transport.write(data)
        return self._waiter

    def _timed_out(self) -> None:
        self._timer = None
        self._finish(exception=TimeoutError("the remote store did not answer in time"))
        self.close()

    def _finish(self, exception: BaseException | None = None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return
        if exception is not None:
            waiter.set_exception(exception)
        else:
            waiter.set_result(HttpAnswer(self._status, self._headers, b"".join(self._body)))

    def close(self) -> None:
        self.closed = True
        self._parser = None
        if self.transport is not None:
            self.transport.close()


class EventLoopQueryConnections(_Endpoint):
    """Connections owned by one event loop, used only from it (no locks: the loop runs one callback at a time)."""

    def __init__(self, url: str, timeout_s: float, connect_timeout_s: float, headers: dict[str, str],
                 loop: asyncio.AbstractEventLoop):
        super().__init__(url, timeout_s, connect_timeout_s, headers)
        self.loop = loop
        self._idle: list[_Exchange] = []
        self._heads: dict[str, str] = {}  # the header lines, per Accept
        self._closed = False

    def _headers_text(self, accept: str) -> str:
        """The request's header lines after the request line, up to the blank line (without it), per Accept."""
        text = self._heads.get(accept)
        if text is None:
            host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
            lines = [f"Host: {host}:{self.port}", *(f"{k}: {v}" for k, v in self.headers.items()),
                     f"Accept: {accept}"]
            for line in lines:
                if "\r" in line or "\n" in line:
                    raise ValueError(f"a header line holds a line break: {line!r}")
            text = self._heads[accept] = "\r\n".join(lines)
        return text

    async def ask(self, form: bytes, accept: str) -> HttpAnswer:
        """Send a query form (GET when short, else POST) and read the answer."""
        target = self.get_target(form)
        if target is None:
            data = (f"POST {self.target} HTTP/1.1\r\n{self._headers_text(accept)}\r\nContent-Type: {FORM}\r\n"
                    f"Content-Length: {len(form)}\r\n\r\n").encode("latin-1") + form
        else:
            data = f"GET {target} HTTP/1.1\r\n{self._headers_text(accept)}\r\n\r\n".encode("latin-1")
        for attempt in (0, 1):
            conn = None
            while self._idle and conn is None:
                conn = self._idle.pop()
                if conn.closed or conn.transport.is_closing():
                    conn = None
            reused = conn is not None
            if conn is None:
                conn = await self._connect()
            try:
                answer = await conn.send(data, self.timeout_s)
            except (ConnectionResetError, BrokenPipeError):
                conn.close()
                if reused and attempt == 0 and not conn.received:  # closed by the server while idle: once more
                    continue
                raise
            except BaseException:  # a timeout, or the query's task cancelled (its client went away)
                conn.close()
                raise
            if conn.closed or self._closed or len(self._idle) >= IDLE_QUERY_CONNECTIONS:
                conn.close()
            else:
                self._idle.append(conn)
            return answer
        raise AssertionError("unreachable")

    async def _connect(self) -> _Exchange:
        try:
            _, conn = await asyncio.wait_for(
                self.loop.create_connection(lambda: _Exchange(self.loop), self.host, self.port),
                self.connect_timeout_s,
            )
        except asyncio.TimeoutError as exc:
            raise TimeoutError(f"no connection to {self.host}:{self.port} within {self.connect_timeout_s:g} s") from exc
        return conn

    def close(self) -> None:
        """Close the idle connections (from any thread: on the loop's own, or scheduled on it while it runs)."""
        self._closed = True
        idle, self._idle = self._idle, []
        if not idle or self.loop.is_closed():
            return
        try:
            on_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            on_loop = False
        for conn in idle:
            if on_loop or not self.loop.is_running():
                conn.close()
            else:
                self.loop.call_soon_threadsafe(conn.close)
