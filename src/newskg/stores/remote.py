"""A remote SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB, QLever, or any conforming server) behind the Store interface.

Queries use the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/): a GET with ``query`` and
``default-graph-uri`` / ``named-graph-uri`` in the URL (a form POST when that would pass 4,096 characters), asking for
SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE). The answers are parsed by pyoxigraph into the same :class:`~newskg.stores.embedded.QueryResult` the embedded store
returns, so everything above the store (the endpoint, the gate, validation, reasoning) runs unchanged. Updates are
form POSTs to the update endpoint; graph reads and loads use the Graph Store Protocol
(https://www.w3.org/TR/sparql11-http-rdf-update/) when its URL is configured, else SPARQL.

Dialects smooth over what servers do differently (README, "When one machine is not enough"):

- ``virtuoso``: Virtuoso has no separate default graph (without ``default-graph-uri`` the default graph is the union
  of every graph, system graphs included), so ours is kept in the graph :data:`VIRTUOSO_DEFAULT_GRAPH`, passed as
  ``default-graph-uri`` on every query and update. Virtuoso's system graphs are hidden from ``GRAPH ?g`` (its
  ``define input:named-graph-exclude``); ours cannot be (excluding it empties the default graph too), so user
  queries with ``GRAPH ?g`` see it as one more named graph; the store's own listings leave it out. Its JSON results use the old ``typed-literal``
  type, write booleans as ``"1"`` and blank nodes as ``nodeID://b123``; they are normalised before parsing. It
  refuses blank nodes in ``INSERT DATA`` (sent as ``INSERT {...} WHERE {}``) and ``DROP`` of a graph it did not see
  created (sent as ``CLEAR``). Its authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``) use HTTP
  digest authentication. A POST with ``Content-Type: application/sparql-query`` hangs on 7.2.5: forms only.
- ``graphdb``: the default graph of a query is the union of all graphs; ours is ``sesame:nil``, named explicitly.
- ``fuseki``, ``qlever``, ``generic``: standard behaviour (QLever's default graph is also the union of all graphs
  unless the server was built otherwise; see the README).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import json
import re
from typing import BinaryIO, Callable, Iterable, Iterator

import httpx
import pyoxigraph as ox

from newskg import __version__
from newskg.core.errors import QuerySyntaxError, QueryTimeoutError, RdfSyntaxError, StoreError
from newskg.sparql.terms import iri, iri_text, substitute
from newskg.stores.interface import LARGE_ANSWER_BYTES, QueryResult, Store
from newskg.stores.query_connections import EventLoopQueryConnections, QueryConnections, form_body, usable

VIRTUOSO_DEFAULT_GRAPH = "urn:x-newskg:default-graph"
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)
GRAPHDB_DEFAULT_GRAPH = "http://www.openrdf.org/schema/sesame#nil"
DIALECTS = ("generic", "virtuoso", "fuseki", "graphdb", "qlever")
USER_AGENT = f"newskg/{__version__} (remote SPARQL store; +https://w3id.org/newskg/)"
INSERT_CHUNK_TRIPLES = 1_000  # Virtuoso refuses an INSERT DATA whose SQL passes 10,000 lines (~2,000 triples)
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# Answers that need _normalise_json_results: pyoxigraph reads Virtuoso's "typed-literal" as it is, but not its blank
# nodes ("nodeID://b1"), its booleans written "1"/"0", nor an ASK answer that is not a JSON boolean.
_NEEDS_NORMALISING = (b"nodeID://", b"XMLSchema#boolean", b'"boolean"')
_MAY_NAME_A_GRAPH = re.compile(r"graph", re.IGNORECASE)  # a superset of the texts graph_constants_to_filters changes

# Tokens that matter when looking at SPARQL text: comments, IRIs, strings (long and short), words, braces.
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
    |(?P<iri><[^<>"{}|^`\\\s]*>)
    |(?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<bnode>_:[A-Za-z0-9_][A-Za-z0-9_.\-]*)
    |(?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
    |(?P<open>\{)|(?P<close>\})""",
    re.VERBOSE | re.DOTALL,
)


def query_form(sparql: str) -> str:
    """The form of a query: "select", "ask", "construct" or "describe" (the first such keyword outside IRIs,
    strings and comments; the prologue holds none)."""
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup == "word" and sparql[match.end() : match.end() + 1] != ":":  # not a prefix name
            word = match.group().lower()
            if word in ("select", "ask", "construct", "describe"):
                return word
    raise QuerySyntaxError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def _matching_close(tokens: list, open_index: int) -> int:
    """The index of the brace token closing the one at `open_index` (len(tokens) when unbalanced)."""
    depth = 0
    for k in range(open_index, len(tokens)):
        kind = tokens[k].lastgroup
        depth += 1 if kind == "open" else -1 if kind == "close" else 0
        if depth == 0:
            return k
    return len(tokens)


def graph_constants_to_filters(sparql: str, start: int = 0, end: int | None = None) -> str:
    """Rewrite ``GRAPH <iri> { P }`` as ``GRAPH ?nkgGraphN { P } FILTER(?nkgGraphN = <iri>)`` between `start` and
    `end`. Virtuoso evaluates a constant GRAPH against the request's named graphs, which are empty as soon as a
    default graph is given; a variable GRAPH ranges over every graph."""
    end = len(sparql) if end is None else end
    tokens = [t for t in _TOKEN.finditer(sparql) if t.start() >= start and t.end() <= end]
    edits: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens[:-2]):
        if (token.lastgroup == "word" and token.group().upper() == "GRAPH" and tokens[i + 1].lastgroup == "iri"
                and tokens[i + 2].lastgroup == "open"):
            close = _matching_close(tokens, i + 2)
            if close == len(tokens):
                continue
            var = f"?nkgGraph{len(edits) // 2 + 1}"
            edits.append((tokens[i + 1].start(), tokens[i + 1].end(), var))
            edits.append((tokens[close].end(), tokens[close].end(), f" FILTER({var} = {tokens[i + 1].group()})"))
    for a, b, text in sorted(edits, reverse=True):
        sparql = sparql[:a] + text + sparql[b:]
    return sparql


def virtuoso_update_text(sparql: str) -> str:
    """Rewrite an update for Virtuoso: INSERT DATA holding blank nodes becomes INSERT {...} WHERE {} (Virtuoso refuses
    blank nodes in INSERT DATA), DROP becomes CLEAR (it refuses to DROP a graph filled without CREATE GRAPH),
    DELETE WHERE {P} becomes DELETE {P} WHERE {P}, and constant GRAPHs in WHERE become filters (see
    :func:`graph_constants_to_filters`)."""
    tokens = list(_TOKEN.finditer(sparql))
    edits: list[tuple[int, int, str]] = []
    words = [i for i, t in enumerate(tokens) if t.lastgroup == "word"]
    depth = 0
    for i, token in enumerate(tokens):
        kind = token.lastgroup
        if kind in ("open", "close"):
            depth += 1 if kind == "open" else -1
            continue
        if kind != "word" or depth != 0:
            continue
        word = token.group().upper()
        after = next((w for w in words if w > i), None)
        following = tokens[after].group().upper() if after is not None else ""
        if word in ("DROP", "CLEAR") and (following == "ALL" or (following == "SILENT" and after + 1 < len(tokens)
                                                               and tokens[after + 1].group().upper() == "ALL")):
            raise StoreError(f"{word} ALL on Virtuoso would also remove its system graphs; remove graphs one by one")
        if word == "DROP":
            edits.append((token.start(), token.end(), "CLEAR"))
        elif word == "INSERT" and following == "DATA" and after + 1 < len(tokens) and tokens[after + 1].lastgroup == "open":
            close = _matching_close(tokens, after + 1)
            if close < len(tokens) and any(t.lastgroup == "bnode" for t in tokens[after + 1 : close]):
                edits.append((token.start(), tokens[after].end(), "INSERT"))
                edits.append((tokens[close].end(), tokens[close].end(), " WHERE {}"))
        elif word == "WHERE" and i + 1 < len(tokens) and tokens[i + 1].lastgroup == "open":
            close = _matching_close(tokens, i + 1)
            if close == len(tokens):
                continue
            block = sparql[tokens[i + 1].start() : tokens[close].end()]
            where = graph_constants_to_filters(block)
            before = tokens[i - 1] if i > 0 else None
            if before is not None and before.lastgroup == "word" and before.group().upper() == "DELETE":
                edits.append((token.start(), tokens[close].end(), f"{block} WHERE {where}"))
            elif where != block:
                edits.append((tokens[i + 1].start(), tokens[close].end(), where))
    for start, end, text in sorted(edits, reverse=True):
        sparql = sparql[:start] + text + sparql[end:]
    return sparql


def _normalise_json_results(body: bytes) -> bytes:
    """SPARQL JSON results as the 2013 Recommendation writes them, from Virtuoso's older variant."""
    data = json.loads(body)
    if "boolean" in data and not isinstance(data["boolean"], bool):
        data["boolean"] = str(data["boolean"]).lower() in ("1", "true")
    for binding in data.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("type") == "typed-literal":
                term["type"] = "literal"
            if term.get("type") == "bnode" and term["value"].startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://"):]
            if term.get("datatype") == "http://www.w3.org/2001/XMLSchema#boolean" and term["value"] in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode()


def _read_json_results(body: bytes, dialect: str):
    """Parse SPARQL JSON results; Virtuoso's are normalised first only when they hold what pyoxigraph cannot read
    (re-encoding every answer cost more than the parse)."""
    if dialect == "virtuoso" or b'"typed-literal"' in body or b"nodeID://" in body:
        if any(marker in body for marker in _NEEDS_NORMALISING):
            body = _normalise_json_results(body)
        else:
            try:
                return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            except (SyntaxError, ValueError):
                body = _normalise_json_results(body)
    return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)


class _Triples(list):
    """CONSTRUCT/DESCRIBE triples read from the remote store, with the engine result's serialize()."""

    def serialize(self, output=None, format=None):
        return ox.serialize(self, output, format=format)


def _quad_line(quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} ."


def _insert_blocks(quads: Iterable, graph_iri: Callable[[object], str | None]) -> Iterator[tuple[str, bool]]:
    """INSERT DATA bodies of at most INSERT_CHUNK_TRIPLES quads; quads with blank nodes all go in the last one
    (blank node labels are scoped to one operation). Yields (body, holds blank nodes)."""
    plain: dict[str | None, list[str]] = {}
    with_bnodes: dict[str | None, list[str]] = {}
    count = 0
    for quad in quads:
        bucket = with_bnodes if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode) else plain
        bucket.setdefault(graph_iri(quad.graph_name), []).append(_quad_line(quad))
        if bucket is plain:
            count += 1
            if count >= INSERT_CHUNK_TRIPLES:
                yield _body(plain), False
                plain, count = {}, 0
    if plain:
        yield _body(plain), False
    if with_bnodes:
        yield _body(with_bnodes), True


def _body(by_graph: dict[str | None, list[str]]) -> str:
    parts = []
    for graph, lines in by_graph.items():
        text = "\n".join(lines)
        parts.append(text if graph is None else f"GRAPH {iri_text(graph, 'the graph')} {{\n{text}\n}}")
    return "\n".join(parts)


class RemoteSparqlStore(Store):
    """A SPARQL 1.1 server reached over HTTP: Protocol for queries and updates, Graph Store Protocol for graphs."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        store_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: str = "auto",
        dialect: str = "generic",
        timeout_s: float = 30.0,
        write_timeout_s: float | None = None,
    ):
        if dialect not in DIALECTS:
            raise StoreError(f"unknown remote dialect {dialect!r}; one of {', '.join(DIALECTS)}")
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.store_url = store_url
        self.dialect = dialect
        self.path = None  # no folder: the embedded store's query workers and checkpoints do not apply
        self.timeout_s = timeout_s
        self.write_timeout_s = write_timeout_s or max(300.0, 4 * timeout_s)
        credentials = None
        if user:
            kind = ("digest" if dialect == "virtuoso" else "basic") if auth == "auto" else auth
            secret = password or ""
            credentials = httpx.DigestAuth(user, secret) if kind == "digest" else httpx.BasicAuth(user, secret)
        self._client = httpx.Client(
            auth=credentials,
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout_s + 1.0, connect=min(10.0, timeout_s)),
            follow_redirects=False,
        )
        # Queries go through plain keep-alive connections when the endpoint allows (http, no proxy, no auth asked:
        # basic credentials are sent up front; a 401 switches queries to httpx, which answers digest challenges):
        # blocking ones for callers in threads, and per event loop ones for the server's queries (aquery).
        self._queries: QueryConnections | None = None
        self._loop_queries: EventLoopQueryConnections | None = None
        self._query_headers = {"User-Agent": USER_AGENT}
        if usable(query_url):
            if isinstance(credentials, httpx.BasicAuth):
                token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
                self._query_headers["Authorization"] = f"Basic {token}"
            self._queries = QueryConnections(query_url, timeout_s + 1.0, min(10.0, timeout_s), self._query_headers)

    @classmethod
    def from_settings(cls, settings) -> "RemoteSparqlStore":
        """The remote store the settings name (NEWSKG_REMOTE_*)."""
        if not settings.remote_query_url:
            raise StoreError("NEWSKG_STORE_KIND=sparql needs NEWSKG_REMOTE_QUERY_URL")
        password = settings.remote_password.get_secret_value() if settings.remote_password else None
        return cls(
            settings.remote_query_url,
            update_url=settings.remote_update_url,
            store_url=settings.remote_store_url,
            user=settings.remote_user,
            password=password,
            auth=settings.remote_auth,
            dialect=settings.remote_dialect,
            timeout_s=settings.query_timeout_s,
        )

    # --- the store's own default graph, per dialect ------------------------------------------------------
    @property
    def default_graph_iri(self) -> str | None:
        """The graph that stands for our default graph on this server (None: the server's own default graph)."""
        return {"virtuoso": VIRTUOSO_DEFAULT_GRAPH, "graphdb": GRAPHDB_DEFAULT_GRAPH}.get(self.dialect)

    def _graph_iri(self, graph_name) -> str | None:
        """A pyoxigraph graph name as the IRI to write to (None: the default graph as the server takes it)."""
        if isinstance(graph_name, ox.DefaultGraph):
            return self.default_graph_iri if self.dialect == "virtuoso" else None
        return graph_name.value

    def _prefix(self) -> str:
        if self.dialect != "virtuoso":
            return ""
        return "".join(f"define input:named-graph-exclude <{g}>\n" for g in VIRTUOSO_SYSTEM_GRAPHS)

    # --- HTTP ------------------------------------------------------------------------------------------
    def _send_query(self, params: list[tuple[str, str]], accept: str):
        """POST a query form: over the plain query connections when there are, else (and after a 401) httpx."""
        queries = self._queries
        if queries is None:
            return self._send("POST", self.query_url, what="query", data=params, headers={"Accept": accept})
        with self._query_errors():
            response = queries.ask(form_body(params), {"Accept": accept})
        if response.status_code == 401 and self._client.auth is not None:
            self._stop_plain_queries()
            return self._send("POST", self.query_url, what="query", data=params, headers={"Accept": accept})
        return self._checked(response, "POST", self.query_url, what="query")

    async def _send_query_on_loop(self, params: list[tuple[str, str]], accept: str):
        """_send_query for a caller on the event loop: the loop's own connections, no thread (None when the
        endpoint needs httpx: https, a proxy, or an authentication challenge)."""
        queries = self._loop_connections()
        if queries is None:
            return None
        with self._query_errors():
            response = await queries.ask(form_body(params), accept)
        if response.status_code == 401 and self._client.auth is not None:
            self._stop_plain_queries()
            return None
        return self._checked(response, "POST", self.query_url, what="query")

    def _loop_connections(self) -> EventLoopQueryConnections | None:
        """The running loop's query connections (made on first use; a new loop gets new ones)."""
        if self._queries is None:
            return None
        loop = asyncio.get_running_loop()
        queries = self._loop_queries
        if queries is None or queries.loop is not loop:
            if queries is not None:
                queries.close()
            queries = self._loop_queries = EventLoopQueryConnections(
                self.query_url, self.timeout_s + 1.0, min(10.0, self.timeout_s), self._query_headers, loop)
        return queries

    def _stop_plain_queries(self) -> None:
        """The endpoint wants authentication: httpx does the challenge from now on."""
        queries, loop_queries, self._queries, self._loop_queries = self._queries, self._loop_queries, None, None
        for connections in (queries, loop_queries):
            if connections is not None:
                connections.close()

    @contextlib.contextmanager
    def _query_errors(self):
        """A query's failure to reach the remote store as the store error it means."""
        try:
            yield
        except TimeoutError as exc:
            raise QueryTimeoutError(
                f"the remote store did not answer within {self.timeout_s:g} s (NEWSKG_QUERY_TIMEOUT_S)"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise StoreError(f"cannot reach the remote store at {self.query_url}: {exc}") from exc

    def _send(self, method: str, url: str, *, what: str, write: bool = False, **kwargs) -> httpx.Response:
        timeout = httpx.Timeout(self.write_timeout_s, connect=10.0) if write else None
        if isinstance(kwargs.get("data"), list):  # repeated form fields (default-graph-uri, named-graph-uri)
            form: dict[str, list[str]] = {}
            for key, value in kwargs["data"]:
                form.setdefault(key, []).append(value)
            kwargs["data"] = form
        try:
            if timeout is not None:
                kwargs["timeout"] = timeout
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            if write:
                raise StoreError(f"the remote store did not finish the {what} within {self.write_timeout_s:g} s") from exc
            raise QueryTimeoutError(
                f"the remote store did not answer within {self.timeout_s:g} s (NEWSKG_QUERY_TIMEOUT_S)"
            ) from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the remote store at {url}: {exc}") from exc
        return self._checked(response, method, url, what=what)

    def _checked(self, response, method: str, url: str, *, what: str):
        """The response, or the error its status means."""
        if response.status_code in (401, 403):
            raise StoreError(
                f"the remote store refused the {what} ({response.status_code}); check NEWSKG_REMOTE_USER, "
                "NEWSKG_REMOTE_PASSWORD and the endpoint URLs"
            )
        if response.status_code == 400:
            message = response.text.strip()[:2000] or "rejected by the remote store"
            raise (QuerySyntaxError if what in ("query", "update") else RdfSyntaxError)(message)
        if response.status_code >= 300 and not (method == "GET" and response.status_code == 404):
            raise StoreError(f"the remote store failed the {what} ({response.status_code}): {response.text[:1000]}")
        return response

    # --- Store ---------------------------------------------------------------------------------------
    def query(self, sparql, *, default_graphs=None, named_graphs=None, union_default_graph=False, base_iri=None,
              bindings=None):
        form, params = self._query_form(sparql, default_graphs, named_graphs, union_default_graph, base_iri, bindings)
        return self._read_answer(form, self._send_query(params, self._accept(form)))

    async def aquery(self, sparql, use, *, default_graphs=None, named_graphs=None, union_default_graph=False,
                     base_iri=None, bindings=None):
        form, params = self._query_form(sparql, default_graphs, named_graphs, union_default_graph, base_iri, bindings)
        response = await self._send_query_on_loop(params, self._accept(form))
        if response is None:
            response = await asyncio.to_thread(self._send_query, params, self._accept(form))
        if len(response.content) > LARGE_ANSWER_BYTES:  # read and used in a thread, off the loop
            return await asyncio.to_thread(lambda: use(self._read_answer(form, response)))
        return use(self._read_answer(form, response))

    @staticmethod
    def _accept(form: str) -> str:
        return N_TRIPLES if form in ("construct", "describe") else RESULTS_JSON

    def _query_form(self, sparql, default_graphs, named_graphs, union_default_graph, base_iri, bindings):
        """The query's form ("select", ...) and the protocol's form fields that ask it in this dialect."""
        sparql = substitute(sparql, bindings)  # the server has no SEP-0007 substitution: the terms go in the text
        form = query_form(sparql)
        text = (f"BASE {iri_text(base_iri, 'the base IRI')}\n" if base_iri else "") + sparql
        prefix = ""
        if self.dialect == "virtuoso" and _MAY_NAME_A_GRAPH.search(text):
            # Virtuoso's system graphs are hidden from GRAPH patterns; a text that names no graph cannot reach them
            # (its default graph is given), and Virtuoso compiles it about 2% faster without the define lines
            text, prefix = graph_constants_to_filters(text), self._prefix()
        params: list[tuple[str, str]] = [("query", prefix + text)]
        if default_graphs is not None:
            for graph in default_graphs:
                iri = graph or self.default_graph_iri
                if iri:
                    params.append(("default-graph-uri", iri))
        elif not union_default_graph and self.default_graph_iri:
            params.append(("default-graph-uri", self.default_graph_iri))
        elif union_default_graph and self.dialect == "virtuoso":
            params[0] = ("query", "".join(f"define input:default-graph-exclude <{g}>\n" for g in VIRTUOSO_SYSTEM_GRAPHS) + params[0][1])
        for graph in named_graphs or ():
            params.append(("named-graph-uri", graph))
        return form, params

    def _read_answer(self, form: str, response) -> QueryResult:
        """The remote store's answer to a query of `form`, parsed."""
        if response.status_code == 404:
            raise StoreError(f"no SPARQL endpoint at {self.query_url} (404)")
        truncated = response.headers.get("x-sparql-maxrows")
        if truncated:
            raise StoreError(
                f"the remote store cut the result at {truncated} rows (Virtuoso's ResultSetMaxRows); raise it or "
                "narrow the query"
            )
        body = response.content
        try:
            if form in ("construct", "describe"):
                return QueryResult("graph", _Triples(ox.Triple(q.subject, q.predicate, q.object)
                                                     for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)))
            result = _read_json_results(body, self.dialect)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"the remote store's answer could not be read: {exc}") from exc
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("boolean", result)
        return QueryResult("solutions", result, most_rows=len(body) // 2)  # a row takes two bytes at least: {}

    def update(self, sparql, *, base_iri=None):
        text = (f"BASE {iri_text(base_iri, 'the base IRI')}\n" if base_iri else "") + sparql
        params: list[tuple[str, str]] = []
        if self.dialect == "virtuoso":
            text = self._prefix() + virtuoso_update_text(text)
            params.append(("default-graph-uri", VIRTUOSO_DEFAULT_GRAPH))
        params.insert(0, ("update", text))
        response = self._send("POST", self.update_url, what="update", write=True, data=params)
        if response.status_code == 404:
            raise StoreError(f"no SPARQL update endpoint at {self.update_url} (404)")

    def _gsp_params(self, graph: str) -> dict[str, str]:
        iri = graph or self.default_graph_iri
        return {"graph": iri} if iri else {"default": ""}

    def load(self, data, rdf_format, *, graph=None, base_iri=None):
        if self.store_url and graph is not None and not rdf_format.supports_datasets:
            body = data.encode() if isinstance(data, str) else data
            self._send("POST", self.store_url, what="load", write=True, params=self._gsp_params(graph),
                       content=body, headers={"Content-Type": rdf_format.media_type})
            return
        try:
            quads = ox.parse(data, rdf_format, base_iri=base_iri)
            self._insert_quads(quads, graph)
        except SyntaxError as exc:
            raise RdfSyntaxError(str(exc), line=getattr(exc, "lineno", None), column=getattr(exc, "offset", None)) from exc
        except ValueError as exc:
            raise RdfSyntaxError(str(exc)) from exc

    def _insert_quads(self, quads: Iterable, graph: str | None) -> None:
        """Send quads as INSERT DATA operations of INSERT_CHUNK_TRIPLES triples each, streaming."""
        target = None if graph is None else (ox.DefaultGraph() if graph == "" else iri(graph, "the graph"))
        if target is not None:
            quads = (ox.Quad(q.subject, q.predicate, q.object, target) for q in quads)
        for body, _ in _insert_blocks(quads, self._graph_iri):
            self.update("INSERT DATA {\n" + body + "\n}")

    def bulk_load_file(self, path, rdf_format, *, graph=None, wrap=None):
        """Stream a file into the remote store: a Graph Store POST when it goes to one graph and the Graph Store
        URL is set, else INSERT DATA chunks. Large loads are faster with the server's own bulk loader."""
        with open(path, "rb") as raw:
            stream = wrap(raw) if wrap else raw
            if self.store_url and graph is not None and not rdf_format.supports_datasets:
                self._send("POST", self.store_url, what="load", write=True, params=self._gsp_params(graph),
                           content=iter(lambda: stream.read(1 << 20), b""),
                           headers={"Content-Type": rdf_format.media_type})
                return
            try:
                self._insert_quads(ox.parse(stream, rdf_format), graph)
            except SyntaxError as exc:
                raise RdfSyntaxError(f"{path}: {exc}", line=getattr(exc, "lineno", None)) from exc
            except ValueError as exc:
                raise RdfSyntaxError(f"{path}: {exc}") from exc

    def dump(self, output: BinaryIO, rdf_format, *, graph=None):
        if graph is None:
            rows = self.query(
                "SELECT ?g ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
            ).rows()
            quads = [ox.Quad(r["s"], r["p"], r["o"], r.get("g", ox.DefaultGraph())) for r in rows
                     if "g" not in r or r["g"].value != self.default_graph_iri]
            ox.serialize(quads, output, format=rdf_format)
            return
        if self.store_url and not rdf_format.supports_datasets:
            response = self._send("GET", self.store_url, what="graph read", params=self._gsp_params(graph),
                                  headers={"Accept": N_TRIPLES})
            triples = [] if response.status_code == 404 else [
                ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)
            ]
        else:
            pattern = "?s ?p ?o" if graph == "" else "GRAPH ?g { ?s ?p ?o }"
            bindings = None if graph == "" else {"g": iri(graph, "the graph")}
            construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}"
            triples = list(self.query(construct, bindings=bindings).engine_result)
        if rdf_format.supports_datasets:
            triples = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        ox.serialize(triples, output, format=rdf_format)

    def triple_counts(self) -> dict[str, int]:
        """Triples per graph: "" for the default graph, then every named graph by IRI."""
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows()
        counts = {"": int(rows[0]["n"].value) if rows else 0}
        for row in self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows():
            if row["g"].value != self.default_graph_iri:
                counts[row["g"].value] = int(row["n"].value)
        return counts

    def has_graph(self, graph: str) -> bool:
        """True for the default graph ("") and every named graph holding a triple (remote stores differ on
        empty graphs: Virtuoso keeps none)."""
        if graph == "":
            return True
        return graph != self.default_graph_iri and self.query(
            "ASK { GRAPH ?g { ?s ?p ?o } }", bindings={"g": iri(graph, "the graph")}
        ).boolean

    def named_graphs(self) -> Iterable[str]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows()
        return [r["g"].value for r in rows if r["g"].value != self.default_graph_iri]

    def close(self) -> None:
        self._stop_plain_queries()
        self._client.close()
