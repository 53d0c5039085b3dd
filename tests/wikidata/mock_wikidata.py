"""A stand-in for Wikidata on a loopback port: wbsearchentities at /w/api.php and a SPARQL endpoint at /sparql.

It answers in Wikidata's formats (wbsearchentities JSON; SPARQL 1.1 JSON results), from a pyoxigraph store loaded
with tests/wikidata/fixtures/wikidata-mock.ttl. It records every request (method, path, headers), can be told to
fail the next requests (status and Retry-After), and sends a fixed Date header so retrieval dates can be pinned.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata-mock.ttl"
FIXED_DATE = "Wed, 25 Nov 2026 12:00:00 GMT"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DESCRIPTION = "http://schema.org/description"


class MockWikidata:
    """The server, its data and what it saw."""

    def __init__(self, data: Path = FIXTURE, date: str = FIXED_DATE):
        self.store = ox.Store()
        self.store.load(path=str(data), format=ox.RdfFormat.TURTLE)
        self.date = date
        self.requests: list[dict] = []
        self.failures: list[tuple[int, str | None]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = self.url + "/w/api.php"
        self.sparql = self.url + "/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "MockWikidata":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def fail_next(self, count: int, status: int = 429, retry_after: str | None = "0") -> None:
        with self.lock:
            self.failures += [(status, retry_after)] * count

    # --- answers ---------------------------------------------------------------------------------------
    def search(self, params: dict) -> dict:
        text = params.get("search", [""])[0].lower()
        lang = params.get("language", ["en"])[0]
        rows = self.store.query(
            f"SELECT ?item ?label ?d WHERE {{ ?item <{RDFS_LABEL}> ?label FILTER(LANG(?label) = '{lang}') "
            f"OPTIONAL {{ ?item <{DESCRIPTION}> ?d FILTER(LANG(?d) = '{lang}') }} }}"
        )
        hits = []
        for row in rows:
            label = row["label"].value
            if text and (label.lower().startswith(text) or text in label.lower()):
                qid = row["item"].value.rsplit("/", 1)[-1]
                hit = {"id": qid, "title": qid, "pageid": int(qid[1:]), "concepturi": row["item"].value,
                       "url": f"//www.wikidata.org/wiki/{qid}", "label": label,
                       "match": {"type": "label", "language": lang, "text": label}}
                if row["d"] is not None:
                    hit["description"] = row["d"].value
                hits.append(hit)
        hits.sort(key=lambda h: int(h["id"][1:]))
        limit = int(params.get("limit", ["7"])[0])
        return {"searchinfo": {"search": params.get("search", [""])[0]}, "search": hits[:limit], "success": 1}

    def answer_sparql(self, query: str) -> bytes:
        result = self.store.query(query)
        return result.serialize(format=ox.QueryResultsFormat.JSON)

    def _handler(self):
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def date_time_string(self, timestamp=None):  # a pinned Date header
                return mock.date

            def log_message(self, *args):
                pass

            def do_GET(self):
                self._serve(b"")

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                self._serve(self.rfile.read(length))

            def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _serve(self, body: bytes):
                url = urlsplit(self.path)
                params = parse_qs(url.query)
                with mock.lock:
                    mock.requests.append({"method": self.command, "path": url.path, "params": params,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    failure = mock.failures.pop(0) if mock.failures else None
                if failure:
                    status, retry_after = failure
                    self._send(status, b"slow down", "text/plain", {"Retry-After": retry_after} if retry_after else {})
                    return
                try:
                    if url.path == "/w/api.php":
                        out = json.dumps(mock.search(params)).encode()
                        self._send(200, out, "application/json; charset=utf-8")
                    elif url.path == "/sparql":
                        ctype = (self.headers.get("content-type") or "").split(";")[0].strip()
                        if self.command == "GET":
                            query = params.get("query", [""])[0]
                        elif ctype == "application/sparql-query":
                            query = body.decode()
                        else:
                            query = parse_qs(body.decode()).get("query", [""])[0]
                        self._send(200, mock.answer_sparql(query), "application/sparql-results+json")
                    else:
                        self._send(404, b"not found", "text/plain")
                except SyntaxError as exc:
                    self._send(400, str(exc).encode(), "text/plain")

        return Handler
