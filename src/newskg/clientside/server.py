"""A running newskg server, reached from the command line (`--server URL`) through the one checked exit.

Every request goes through :class:`newskg.egress.policy.EgressClient` under a policy made for the server the user
named: only that server's own endpoints (scheme, host, port and path; a redirect anywhere else is refused), its host
allowed on a loopback or private address (the user chose it), no proxy from the environment, and a time and a size
limit on the whole exchange. The write token is sent only when given (`--token`), or, from NEWSKG_WRITE_TOKEN, only
after the server has answered 401: a read never shows the token to a server that does not ask for it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from newskg import __version__
from newskg.core.errors import NewsKGError
from newskg.egress.policy import EgressClient, EgressPolicy

SERVER_ANSWER_MAX_BYTES = 1 << 30  # the answer is held in memory; the server's own row cap is usually far below
READ_PATHS = ("/sparql", "/store")


def server_base(url: str) -> str:
    """The server's base URL (no trailing slash; a trailing /sparql taken off), or a NewsKGError saying what is wrong."""
    base = (url or "").strip().rstrip("/")
    if base.endswith("/sparql"):
        base = base[: -len("/sparql")]
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise NewsKGError(f"--server takes the server's address, like http://127.0.0.1:8000 (not {url[:100]!r})")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise NewsKGError("--server takes the bare address: no user, password, query or fragment in it (--token "
                          "gives the server's token)")
    return base


class ServerClient:
    """Requests to one newskg server; an answer of 400 or more becomes a NewsKGError with the server's message."""

    def __init__(self, url: str, *, timeout_s: float, token: str | None = None, fallback_token: str | None = None,
                 paths: tuple[str, ...] = READ_PATHS, max_bytes: int = SERVER_ANSWER_MAX_BYTES,
                 transport: httpx.BaseTransport | None = None):
        self.base = server_base(url)
        parts = urlsplit(self.base)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        policy = EgressPolicy(
            "--server", tuple(self.base + path for path in paths),
            private_hosts=(f"[{host}]:{port}" if ":" in host else f"{host}:{port}",),
            timeout_s=timeout_s, max_bytes=max_bytes, user_agent=f"newskg/{__version__} (command line)",
        )
        self._token = token or None
        self._fallback_token = None if token else (fallback_token or None)
        self._client = EgressClient(policy, transport=transport)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "ServerClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, *, check: bool = True, **kwargs) -> httpx.Response:
        """Send one request to `path` on the server (httpx's keyword arguments); the response, when below 400 (any
        response with `check=False`)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = self._client.request(method, self.base + path, headers=headers, **kwargs)
        if response.status_code == 401 and self._fallback_token:
            self._token, self._fallback_token = self._fallback_token, None  # the server asks: NEWSKG_WRITE_TOKEN
            return self.request(method, path, check=check, headers=headers, **kwargs)
        if check and response.status_code >= 400:
            raise server_error(response)
        return response


def server_error(response: httpx.Response) -> NewsKGError:
    """The error a server's 4xx/5xx answer stands for: its status, and its message, line, column and detail."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"message": response.text.strip()[:500] or response.reason_phrase}
    line, column = body.get("line"), body.get("column")
    error = NewsKGError(
        f"the server answered {response.status_code}: {body.get('message') or response.reason_phrase}",
        line=line if isinstance(line, int) else None, column=column if isinstance(column, int) else None,
        detail=body.get("detail"),
    )
    error.status = response.status_code
    return error


def read_export(server: ServerClient, graphs: list[str] | None, fmt) -> bytes:
    """The dataset (graphs None), or the named graphs ("" the default graph) with their names, from the server's Graph
    Store, in the dataset syntax `fmt` (TriG or N-Quads). A graph the server lacks is its 404, before anything is
    returned; the server refuses (413) a read past its NEWSKG_MAX_RESULT_ROWS."""
    import pyoxigraph as ox

    if graphs is None:
        return server.request("GET", "/store", params={"format": fmt.names[0]}).content
    quads = []
    for graph in dict.fromkeys(graphs):
        which = [("default", "")] if graph == "" else [("graph", graph)]
        body = server.request("GET", "/store", params=[*which, ("format", "nt")]).content
        name = ox.DefaultGraph() if graph == "" else ox.NamedNode(graph)
        try:
            triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise NewsKGError(f"the server's N-Triples for {graph or 'the default graph'} do not parse: {exc}") from None
        quads += [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]
    return ox.serialize(quads, format=fmt.engine) or b""
