"""uvicorn's httptools protocol, with an `Upgrade` offer it cannot take hidden from the parser.

Java's HTTP client (so Jena's rsparql, and any JVM client using java.net.http) offers HTTP/2 on every plain-http
request: `Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c`. llhttp, the parser under uvicorn's default httptools
protocol, then treats the request as switching protocols: it reports the message complete at the end of its header
section and hands the rest to uvicorn as "upgrade data", which uvicorn drops (it only switches to WebSocket). The
body of a POST is lost and the application answers 400 (https://github.com/Kludex/uvicorn/issues/2722).

A server may ignore an Upgrade offer (RFC 9110 §7.8) and answer in HTTP/1.1. `H2cTolerantProtocol` does so by
removing the `Upgrade` header line from a request's header section before llhttp reads it, unless it offers
WebSocket (which uvicorn can switch to: that path is untouched). To find header sections, `RequestFraming` follows
the message framing of HTTP/1.1 (RFC 9112 §6): a head ends at its empty line; then a body of Content-Length bytes, or
chunked, or none. Heads split across TCP reads are held back until complete; pipelined requests are each found.
Each head is fed to llhttp only when llhttp is itself between messages; if the two ever disagree (or a head is
malformed, oversized, or asks for CONNECT), the connection falls back to feeding llhttp exactly what arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024  # a longer head is passed through unexamined (llhttp has no limit of its own)
MAX_LINE_BYTES = 8 * 1024  # a chunk-size or trailer line

_HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILER = range(6)
_HEX = frozenset(b"0123456789abcdefABCDEF")


@dataclass
class Piece:
    """Bytes to give the parser: `data` (a head with a hidden Upgrade line, or the bytes as they came) and `raw`."""

    data: bytes
    raw: bytes
    head: bool


@dataclass
class Head:
    """What the framing needs from a request head: its text for the parser, and the length of its body."""

    data: bytes
    content_length: int  # -1: chunked
    hidden_upgrade: bool


def read_head(head: bytes) -> Head | None:
    """The head (request line, header lines, empty line) with an Upgrade offer other than WebSocket removed, and
    its body's framing; None when the head is not one this reader is sure to read as llhttp does."""
    lines = head[:-4].split(b"\r\n")
    if lines[0][:8].upper() == b"CONNECT ":
        return None  # llhttp treats CONNECT as a protocol switch
    kept = [lines[0]]
    lengths: set[bytes] = set()
    codings: list[bytes] = []
    hidden = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name[-1:] in (b" ", b"\t") or line[:1] in (b" ", b"\t"):
            return None  # obsolete line folding, or not a header field: llhttp decides alone
        lowered = name.lower()
        if lowered == b"upgrade":
            offered = {part.strip().split(b"/")[0].lower() for part in value.split(b",")}
            if b"websocket" not in offered:
                hidden = True
                continue  # RFC 9110 §7.8: the server ignores the offer and answers in HTTP/1.1
        elif lowered == b"content-length":
            lengths.add(value.strip())
        elif lowered == b"transfer-encoding":
            codings += [c.strip().lower() for c in value.split(b",")]
        kept.append(line)
    if codings:
        if lengths or codings[-1] != b"chunked":
            return None  # llhttp refuses these; nothing follows that needs reading
        length = -1
    elif lengths:
        if len(lengths) > 1 or not next(iter(lengths)).isdigit():
            return None
        length = int(next(iter(lengths)))
    else:
        length = 0  # a request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3)
    data = b"\r\n".join(kept) + b"\r\n\r\n" if hidden else head
    return Head(data, length, hidden)


class RequestFraming:
    """Splits a connection's incoming bytes into request heads (rewritten by `read_head`) and everything else."""

    def __init__(self) -> None:
        self.state = _HEAD
        self.broken = False  # framing lost: from now on, bytes go to the parser as they came
        self._held = bytearray()  # an incomplete head, or an incomplete chunk-size/trailer line
        self._remaining = 0

    def feed(self, data: bytes) -> list[Piece]:
        """The pieces `data` completes, in order; an incomplete head stays held back for the next call."""
        if self.broken:
            return [Piece(data, data, False)] if data else []
        pieces: list[Piece] = []
        passed = bytearray()  # bytes outside heads, given on as they came

        def flush() -> None:
            if passed:
                pieces.append(Piece(bytes(passed), bytes(passed), False))
                passed.clear()

        view, at = memoryview(data), 0
        while at < len(data) and not self.broken:
            if self.state == _HEAD:
                if not self._held:
                    while at < len(data) and data[at] in (13, 10):  # empty lines before a request line (§2.2)
                        passed.append(data[at])
                        at += 1
                    if at == len(data):
                        break
                start = max(0, len(self._held) - 3)
                self._held += view[at:]
                end = self._held.find(b"\r\n\r\n", start)
                if end < 0:
                    at = len(data)
                    if len(self._held) > MAX_HEAD_BYTES:
                        self._give_up(passed)
                    break
                head_bytes = bytes(self._held[: end + 4])
                at = len(data) - (len(self._held) - end - 4)
                self._held.clear()
                head = read_head(head_bytes)
                if head is None:
                    passed += head_bytes
                    self._give_up(passed, view[at:])
                    at = len(data)
                    break
                flush()
                pieces.append(Piece(head.data, head_bytes, True))
                if head.content_length > 0:
                    self.state, self._remaining = _BODY, head.content_length
                elif head.content_length < 0:
                    self.state = _CHUNK_SIZE
            elif self.state in (_BODY, _CHUNK_DATA, _CHUNK_END):
                take = min(self._remaining, len(data) - at)
                if self.state == _CHUNK_END and bytes(view[at : at + take]) != b"\r\n"[2 - self._remaining :][:take]:
                    self._give_up(passed, view[at:])
                    at = len(data)
                    break
                passed += view[at : at + take]
                at += take
                self._remaining -= take
                if self._remaining == 0:
                    if self.state == _BODY:
                        self.state = _HEAD
                    elif self.state == _CHUNK_DATA:
                        self.state, self._remaining = _CHUNK_END, 2
                    else:
                        self.state = _CHUNK_SIZE
            else:  # a chunk-size line, or a trailer line: read up to its CRLF
                newline = data.find(b"\n", at)
                stop = len(data) if newline < 0 else newline + 1
                self._held += view[at:stop]
                passed += view[at:stop]
                at = stop
                if newline < 0:
                    if len(self._held) > MAX_LINE_BYTES:
                        self._give_up(passed, view[at:])
                        at = len(data)
                    break
                line = bytes(self._held)
                self._held.clear()
                if not line.endswith(b"\r\n"):
                    self._give_up(passed, view[at:])
                    at = len(data)
                    break
                if self.state == _TRAILER:
                    if line == b"\r\n":
                        self.state = _HEAD
                    continue
                size = line[:-2].split(b";", 1)[0].strip(b" \t")
                if not size or not all(c in _HEX for c in size):
                    self._give_up(passed, view[at:])
                    at = len(data)
                    break
                length = int(size, 16)
                if length == 0:
                    self.state = _TRAILER
                else:
                    self.state, self._remaining = _CHUNK_DATA, length
        flush()
        return pieces

    def _give_up(self, passed: bytearray, rest=b"") -> None:
        """Framing lost: what is held and what follows goes to the parser unchanged, now and from now on."""
        passed += self._held
        passed += rest
        self._held.clear()
        self.broken = True

    def abandon(self) -> None:
        """The parser disagrees with this framing: stop rewriting (the caller passes the bytes on as they came)."""
        self._held.clear()
        self.broken = True


class H2cTolerantProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that ignores `Upgrade` offers other than WebSocket (see the module docstring).

    Pass it to uvicorn as `http=H2cTolerantProtocol`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._framing = RequestFraming()
        self._between_messages = True  # llhttp's own view: no message begun, or the last one complete

    def on_message_begin(self) -> None:
        self._between_messages = False
        super().on_message_begin()

    def on_message_complete(self) -> None:
        self._between_messages = True
        super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        if self._framing.broken:
            super().data_received(data)
            return
        self._unset_keepalive_if_required()  # also while a head is held back
        pieces = self._framing.feed(data)
        for index, piece in enumerate(pieces):
            if piece.head and not self._between_messages:  # llhttp is inside a message: our framing is wrong
                self._framing.abandon()
                super().data_received(b"".join(p.raw for p in pieces[index:]))
                return
            super().data_received(piece.data)
            if self.parser is None or self.transport.is_closing() or self.transport.get_protocol() is not self:
                return  # closed (a 400 for bad input), or switched to WebSocket: nothing more is ours
            if piece.head and self.parser.should_upgrade():
                self._framing.abandon()  # an upgrade uvicorn does not take (it drops the rest, as without us)
                return
