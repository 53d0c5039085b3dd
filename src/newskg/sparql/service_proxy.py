"""Outgoing SERVICE calls through our own HTTP client: a descriptive User-Agent and a time limit of their own.

pyoxigraph federates with its own HTTP client (User-Agent "Oxigraph/x.y", no separate timeout), and its Python API
cannot change that. So each query worker runs this small loopback proxy: before evaluation the allow-listed SERVICE
targets are rewritten to `http://127.0.0.1:<port>/<quoted endpoint>`, and the proxy forwards the request with httpx,
our User-Agent and `service_timeout_s`. The proxy forwards only to allow-listed endpoints (checked again here),
listens on loopback only, and dies with its worker when a query is stopped.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import httpx

from .federation import normalise_endpoint, remote_targets

_FORWARDED_HEADERS = ("content-type", "accept")


class ServiceProxy:
    """A loopback forwarder for SERVICE requests, owned by one query worker."""

    def __init__(self, user_agent: str, timeout_s: float):
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self.allowed: set[str] = set()
        self._client = httpx.Client(timeout=timeout_s, headers={"User-Agent": user_agent}, follow_redirects=False)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                target = unquote(self.path.lstrip("/").split("?", 1)[0])
                query = self.path.split("?", 1)[1] if "?" in self.path else ""
                if normalise_endpoint(target) not in proxy.allowed:
                    self.send_error(403, "endpoint not on the allow-list")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED_HEADERS}
                url = target + ("&" if "?" in target else "?") + query if query else target
                try:
                    answer = proxy._client.request(self.command, url, content=body, headers=headers)
                except httpx.TimeoutException:
                    self.send_error(504, f"the endpoint did not answer within {proxy.timeout_s:g} s")
                    return
                except httpx.HTTPError as exc:
                    self.send_error(502, f"the endpoint could not be reached: {type(exc).__name__}")
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "application/octet-stream"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="service-proxy", daemon=True).start()

    def rewrite(self, query: str, allowed: list[str]) -> str:
        """The query with every SERVICE target sent through the proxy (targets were allow-list checked before)."""
        self.allowed = {normalise_endpoint(a) for a in allowed}
        targets = [t for t in remote_targets(query) if t.keyword == "SERVICE" and t.iri is not None]
        for target in sorted(targets, key=lambda t: t.start, reverse=True):
            via = f"<http://127.0.0.1:{self.port}/{quote(target.iri, safe='')}>"
            query = query[: target.start] + via + query[target.end :]
        return query
