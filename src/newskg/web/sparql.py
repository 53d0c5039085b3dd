"""The SPARQL 1.1 Protocol endpoint at /sparql."""

from __future__ import annotations

import functools
import re

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from newskg.core import vocab
from newskg.core.errors import NewsKGError
from newskg.search.sparql_service import SEARCH
from newskg.sparql.cache import answer_stable, data_version, entity_tag
from newskg.sparql.endpoint import answer_graph
from newskg.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate, negotiated
from newskg.sparql.load import inline_loads
from newskg.sparql.protocol import DescriptionRequest, QueryRequest, parse_request
from newskg.sparql.update import apply_update_dataset
from newskg.sparql.wikidata_service import answered_from_snapshot, rewrite_for_settings
from newskg.web import openapi
from newskg.web.auth import require_writer
from newskg.web.body import read_body
from newskg.web.conditional import after_answer, answer_headers, before_answer, conditional_answer
from newskg.web.errors import known_error_response, unexpected_error_response
from newskg.wikidata.snapshot import snapshot_date

router = APIRouter()

# An answer that used the local Wikidata snapshot says so (a Structured Field, RFC 8941: a token and parameters).
WIKIDATA_SOURCE_HEADER = "NewsKG-Wikidata-Source"
_LOCAL_SERVICES = frozenset({SEARCH})  # SERVICE text:search reads this store's own text index
_XSD_DATE_TIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")


def wikidata_source(kg) -> str:
    """The NewsKG-Wikidata-Source value: `snapshot`, the snapshot's recorded retrieval date, and its graph."""
    date = kg.memo("wikidata-snapshot-date", lambda: snapshot_date(kg))
    value = "snapshot"
    if date is not None and _XSD_DATE_TIME.fullmatch(date):  # data, so checked before it goes into a header
        value += f'; date="{date}"'
    return value + f'; graph="{vocab.WIKIDATA_SNAPSHOT_GRAPH}"'


def _media_type(formats, accept: str | None, format_name: str | None) -> str | None:
    chosen = negotiated(formats, accept, format_name)
    return chosen.media_type if chosen is not None else None


def query_tag(kg, operation: QueryRequest, accept: str | None, version: str) -> str | None:
    """The weak ETag of the answer to `operation` on the data of `version`, known without evaluating it; None when
    the answer may change without a write (RAND, NOW, a remote SERVICE...) or the text cannot be read."""
    try:
        query = rewrite_for_settings(operation.query, kg.settings)  # Wikidata offline: the snapshot graph
        if not answer_stable(query, local_services=_LOCAL_SERVICES, base_iri=operation.base_iri):
            return None
    except NewsKGError:
        return None  # the query will be refused when it is answered: no validator
    return entity_tag(
        version, "query", operation.query, operation.default_graphs, operation.named_graphs,
        operation.union_default_graph, operation.infer, operation.base_iri,
        # the format each kind of answer would be sent in: what the bytes depend on, not the Accept text
        _media_type(RESULT_FORMATS, accept, operation.format), _media_type(GRAPH_FORMATS, accept, operation.format),
    )


# Longer query texts are read (tokenized, rewritten, tagged) in a thread, not on the event loop: reading costs time
# in proportion to the text, and the loop serves every other request meanwhile.
INLINE_QUERY_CHARS = 8192


def _prelude(request: Request, operation: QueryRequest) -> tuple[dict[str, str], str, str | None]:
    """The answer's headers so far, the data version it is computed on, and its ETag (None: no validator)."""
    kg = request.app.state.kg
    headers = answer_headers()
    try:
        if answered_from_snapshot(operation.query, kg.settings):
            headers[WIKIDATA_SOURCE_HEADER] = wikidata_source(kg)
    except NewsKGError:
        pass  # a text the rewrite refuses is refused again, and reported, when it is answered
    version = data_version(kg)
    return headers, version, query_tag(kg, operation, request.headers.get("accept"), version)


async def _answer(request: Request, operation: QueryRequest) -> Response:
    """A query's answer, with its caching headers; 304 (412 for POST) when the client's copy is current.

    A short query is handled on the event loop: the checks before evaluation are quick, and the evaluation is awaited
    in a query worker with no thread waiting for it, so a light query costs no thread-pool hop."""
    if len(operation.query) > INLINE_QUERY_CHARS:
        return await run_in_threadpool(_answer_in_thread, request, operation)
    kg = request.app.state.kg
    headers, version, tag = _prelude(request, operation)
    unchanged = before_answer(request, tag, headers)
    if unchanged is not None:
        return unchanged
    answer = await kg.answer_async(operation, request.headers.get("accept"))
    return after_answer(request, kg, version, tag, answer.body, answer.content_type, headers)


def _answer_in_thread(request: Request, operation: QueryRequest) -> Response:
    kg = request.app.state.kg
    headers, version, tag = _prelude(request, operation)

    def produce() -> tuple[bytes, str]:
        answer = kg.answer(operation, request.headers.get("accept"))
        return answer.body, answer.content_type

    return conditional_answer(request, kg, version, tag, produce, headers)


_ENDPOINTS: dict[tuple, str] = {}


def endpoint_url(request: Request) -> str:
    """The request's URL without its query string: a query's base IRI. Remembered per scheme, server, path and Host
    header (what Starlette builds it from), as building it costs about 5 us; a few hundred at most are kept."""
    scope = request.scope
    server = scope.get("server")
    key = (scope.get("scheme"), tuple(server) if server else None, scope["path"], request.headers.get("host"))
    url = _ENDPOINTS.get(key)
    if url is None:
        if len(_ENDPOINTS) >= 256:
            _ENDPOINTS.clear()
        url = _ENDPOINTS[key] = str(request.url.replace(query=""))
    return url


async def _respond(request: Request, body: bytes) -> Response:
    kg = request.app.state.kg
    endpoint = endpoint_url(request)
    query_string = request.scope["query_string"].decode()  # as Starlette's request.url.query, without building the URL
    read = functools.partial(parse_request, request.method, request.headers.get("content-type"), query_string, body,
                             base_iri=endpoint)
    operation = read() if len(body) <= INLINE_QUERY_CHARS else await run_in_threadpool(read)
    if isinstance(operation, QueryRequest):
        return await _answer(request, operation)
    if isinstance(operation, DescriptionRequest):
        return await run_in_threadpool(_graph_response, request, "service description", endpoint, operation.format,
                                       lambda: kg.service_description(endpoint))
    return await run_in_threadpool(_update, request, operation)


def _update(request: Request, operation) -> Response:
    kg = request.app.state.kg
    require_writer(request)
    update = apply_update_dataset(operation.update, operation.using_graphs, operation.using_named_graphs)
    kg.update(inline_loads(update, kg.settings, operation.base_iri), base_iri=operation.base_iri)
    return Response(status_code=204)


def _graph_response(request: Request, what: str, endpoint: str, format_name: str | None, triples) -> Response:
    """A description (`triples()` computes it) in the negotiated RDF syntax, with its caching headers and ETag."""
    kg = request.app.state.kg
    accept = request.headers.get("accept")
    version = data_version(kg)
    media_type = negotiate(GRAPH_FORMATS, accept, format_name).media_type  # 406 before any work

    def produce() -> tuple[bytes, str]:
        answer = answer_graph(triples(), accept, format_name)
        return answer.body, answer.content_type

    return conditional_answer(request, kg, version, entity_tag(version, what, endpoint, media_type), produce)


@router.get("/.well-known/void", summary="VoID description of the dataset", openapi_extra=openapi.CONDITIONAL_READ)
def void(request: Request) -> Response:
    """Size, graphs, classes and the Wikidata linkset of the dataset, in the negotiated RDF syntax."""
    endpoint = str(request.url.replace(path="/sparql", query=""))
    kg = request.app.state.kg
    return _graph_response(request, "void", endpoint, request.query_params.get("format"),
                           lambda: kg.void_description(endpoint))


@router.get("/sparql", summary="SPARQL 1.1 query by GET", openapi_extra=openapi.SPARQL_GET)
async def sparql_get(request: Request) -> Response:
    """Answer a query given in the URL."""
    return await _respond(request, b"")


@router.post("/sparql", summary="SPARQL 1.1 query or update by POST", openapi_extra=openapi.SPARQL_POST)
async def sparql_post(request: Request, body: bytes = Depends(read_body)) -> Response:
    """Answer a query (form or application/sparql-query body) or apply an update."""
    return await _respond(request, body)


def answered_directly(scope) -> bool:
    """Whether the request is a plain `GET /sparql` that `answer_directly` serves: no Origin header (a browser's
    cross-origin request takes the app's full stack, where CORS is answered), not under a root path."""
    return (scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/sparql"
            and not scope.get("root_path") and all(name != b"origin" for name, _ in scope["headers"]))


async def answer_directly(app, scope, receive, send) -> None:
    """`GET /sparql` answered without the routing and middleware layers of the app (measured: 0.13 ms a request): the
    same handler as the route, and the same error mapping (web/errors.py)."""
    scope["app"] = app
    request = Request(scope, receive)
    try:
        response = await _respond(request, b"")
    except NewsKGError as exc:
        response = known_error_response(request, exc)
    except Exception:  # noqa: BLE001  (logged and answered as the app's handler of unexpected errors does)
        response = unexpected_error_response(request)
    vary = response.headers.get("vary")  # as the app's CORS layer says of every answer: it differs with Origin
    response.headers["vary"] = f"{vary}, Origin" if vary else "Origin"
    await response(scope, receive, send)
