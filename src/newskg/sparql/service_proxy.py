"""Outgoing SERVICE calls through the egress policy: our User-Agent, our time and size limits, checked addresses.

pyoxigraph federates with its own HTTP client (User-Agent "Oxigraph/x.y", no separate timeout, redirects followed,
any address), and its Python API cannot change that. So each process that evaluates SERVICE (a query worker; the
server, for updates and in-process queries) runs this small loopback proxy: before evaluation the SERVICE targets
are rewritten to `http://127.0.0.1:<port>/<quoted endpoint>`, and the proxy sends the request through
:class:`newskg.egress.policy.EgressClient`, which checks the allow-list, resolves and checks the address, follows
allowed redirects itself and caps the answer. The proxy never hands a 3xx to oxigraph (which would follow it), listens
on loopback only, and dies with its process when a query is stopped.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlencode

from newskg.egress.policy import EgressClient, EgressPolicy
from newskg.core.errors import (
    EgressRefusedError, ForbiddenTargetError, NewsKGError, UpstreamError, UpstreamTimeoutError, UpstreamTooLargeError,
)
from newskg.sparql.federation import remote_targets

_FORWARDED_HEADERS = ("content-type", "accept")
_CALL = "newskg-call"  # the query parameter that tells which evaluation a call belongs to (not forwarded)


class ServiceProxy:
    """A loopback forwarder for SERVICE requests, owned by one process."""

    def __init__(self, policy: EgressPolicy, *, resolve=None):
        self.policy = policy
        self.failures: dict[str, list[NewsKGError]] = {}  # per evaluation: what the policy refused or saw fail
        self._client = EgressClient(policy, resolve=resolve)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                path, _, query = self.path.partition("?")
                target = unquote(path.lstrip("/"))
                params = parse_qsl(query, keep_blank_values=True)
                call = next((v for k, v in params if k == _CALL), "")
                query = urlencode([(k, v) for k, v in params if k != _CALL])
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED_HEADERS}
                url = target + ("&" if "?" in target else "?") + query if query else target
                try:
                    answer = proxy._client.request(self.command, url, content=body, headers=headers)
                except NewsKGError as exc:
                    proxy.failures.setdefault(call, []).append(exc)
                    status = 403 if isinstance(exc, EgressRefusedError) else 504 if isinstance(
                        exc, UpstreamTimeoutError) else 502
                    self.send_error(status, exc.message)
                    return
                status = answer.status_code
                if 300 <= status < 400:  # a redirect the policy did not follow: never oxigraph's to follow
                    proxy.failures.setdefault(call, []).append(
                        UpstreamError(f"SERVICE {target} answered a redirect without a target"))
                    self.send_error(502, "the endpoint answered a redirect that was not followed")
                    return
                self.send_response(status)
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

    def rewrite(self, text: str, base_iri: str | None = None, call: str = "") -> str:
        """The query or update with every SERVICE target sent through the proxy, its calls counted as `call`."""
        self.failures.pop(call, None)
        targets = [t for t in remote_targets(text, base_iri) if t.keyword == "SERVICE"]
        for target in sorted(targets, key=lambda t: t.start, reverse=True):
            if target.iri is None:
                raise ForbiddenTargetError("SERVICE with a variable target is not allowed")
            via = f"<{self.url_for(target.iri, call)}>"
            text = text[: target.start] + via + text[target.end :]
        leaked = [t.iri for t in remote_targets(text, base_iri)
                  if t.keyword == "SERVICE" and not (t.iri or "").startswith(f"http://127.0.0.1:{self.port}/")]
        if leaked:  # cannot happen when the reading is right; refuse rather than let one call bypass the proxy
            raise ForbiddenTargetError(f"SERVICE <{leaked[0]}> could not be sent through the egress policy")
        return text

    def url_for(self, endpoint: str, call: str = "") -> str:
        """The proxy's URL for one endpoint (and one evaluation)."""
        url = f"http://127.0.0.1:{self.port}/{quote(endpoint, safe='')}"
        return f"{url}?{_CALL}={quote(call, safe='')}" if call else url

    def failure(self, call: str = "", *, only_refusals: bool = False) -> NewsKGError | None:
        """The first failure of an evaluation's calls (with `only_refusals`, a refusal or an answer too large)."""
        failures = self.failures.pop(call, [])
        if only_refusals:
            failures = [f for f in failures if isinstance(f, (EgressRefusedError, UpstreamTooLargeError))]
        return failures[0] if failures else None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()


class ServiceRouter:
    """The SERVICE calls of the server process (updates, in-process queries) sent through one proxy, made on need."""

    def __init__(self, policy: EgressPolicy, *, enabled: bool = True):
        self.policy = policy
        self.enabled = enabled
        self._proxy: ServiceProxy | None = None
        self._lock = threading.Lock()

    @contextmanager
    def routed(self, text: str, base_iri: str | None = None):
        """The text with its SERVICE targets sent through the proxy (unchanged when it has none, or when disabled);
        when the work in the block fails because a call failed, the call's own error is raised (400 refused,
        502/504 upstream) instead of the engine's."""
        if not self.enabled or "SERVICE" not in text.upper():
            yield text
            return
        with self._lock:
            if self._proxy is None:
                self._proxy = ServiceProxy(self.policy)
            proxy = self._proxy
        call = uuid.uuid4().hex
        try:
            yield proxy.rewrite(text, base_iri, call)
        except NewsKGError as exc:
            failure = proxy.failure(call)
            if failure is None:
                raise
            raise failure from exc
        proxy.failure(call)  # forget what SILENT calls left behind

    def close(self) -> None:
        with self._lock:
            if self._proxy is not None:
                self._proxy.close()
                self._proxy = None
