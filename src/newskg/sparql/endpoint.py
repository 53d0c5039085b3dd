"""Answering protocol operations: evaluate, enforce the row limit, negotiate, serialize.

Evaluation and serialization both happen here, inside the error handling: pyoxigraph evaluates lazily, so an
evaluation error can surface while results are read, and must still be reported as an evaluation error.
"""

from __future__ import annotations

import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox

from newskg.core.errors import NewsKGError, ResultTooLargeError, StoreError, UpstreamError, UpstreamTimeoutError
from newskg.core.redaction import shown_endpoint
from newskg.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from newskg.sparql.protocol import QueryRequest
from newskg.sparql.results import SOLUTION_WRITERS


@dataclass
class Answer:
    """A serialized body and the Content-Type that matches it."""

    body: bytes
    content_type: str
    read_from: str = "store"  # what it was evaluated on: "store" (on disk, in a query worker), "replica" (in memory,
    # in a query worker) or "server" (the store, in the server process: a query that cannot run away)


def _take(iterator, limit: int, what: str) -> list:
    items = []
    try:
        for item in iterator:
            if len(items) == limit:
                raise ResultTooLargeError(
                    f"the result has more than {limit} {what}; add a LIMIT or raise NEWSKG_MAX_RESULT_ROWS"
                )
            items.append(item)
    except (OSError, RuntimeError, ValueError) as exc:
        raise StoreError(f"query evaluation failed: {exc}") from exc
    return items


def answer_graph(triples: list, accept: str | None, format_name: str | None = None) -> Answer:
    """Serialize triples in the negotiated RDF syntax (406 when none fits)."""
    fmt = negotiate(GRAPH_FORMATS, accept, format_name)
    return Answer(ox.serialize(triples, format=fmt.engine), fmt.content_type)


# pyoxigraph's text for a SERVICE endpoint that answered with an HTTP error (its own client, or our proxy's 502/504)
_HTTP_FAILURE = re.compile(r"Error (\d{3})\b[^\n]*? returned by (\S+)")


def _called_endpoint(url: str) -> str:
    """The endpoint a SERVICE call was for: the URL, or the target quoted in the path of our loopback proxy's URL."""
    quoted = urlsplit(url).path.lstrip("/")
    target = unquote(quoted)
    return target if target.startswith(("http://", "https://")) else url


def service_failure(error: StoreError) -> NewsKGError | None:
    """A query's failed SERVICE call as a 502 (504 when the endpoint timed out); None for any other failure."""
    match = _HTTP_FAILURE.search(error.message)
    if match is not None:
        status, endpoint = int(match.group(1)), shown_endpoint(_called_endpoint(match.group(2)))
        detail = {"endpoint": endpoint, "status": status}
        if status in (408, 504):
            return UpstreamTimeoutError(f"the SERVICE endpoint {endpoint} did not answer in time", detail=detail)
        return UpstreamError(f"the SERVICE endpoint {endpoint} failed (HTTP {status})", detail=detail)
    cause = error.__cause__
    if isinstance(cause, TimeoutError):
        return UpstreamTimeoutError("a SERVICE endpoint did not answer in time")
    if isinstance(cause, (ConnectionError, socket.gaierror)):
        return UpstreamError(f"a SERVICE endpoint could not be reached: {type(cause).__name__}")
    return None


def answer_query(store, request: QueryRequest, accept: str | None, max_rows: int, *, custom_functions=None) -> Answer:
    """Evaluate a query on `store` (with the engine's `custom_functions`, if any) and serialize its result in the
    negotiated format (406 when none fits).

    A failed SERVICE call is reported as the remote's failure (502, or 504 when it timed out), not as ours.
    """
    with _service_failures():
        extra = {"custom_functions": custom_functions} if custom_functions else {}  # only the embedded store has them
        result = store.query(request.query, **_dataset(request), **extra)
        return serialize_result(result, request, accept, max_rows)


async def answer_query_async(store, request: QueryRequest, accept: str | None, max_rows: int) -> Answer:
    """`answer_query` for the event loop, on a store whose `aquery` waits without a thread (the remote store, which
    serializes a large answer in a thread, so that it does not hold the loop)."""
    with _service_failures():
        return await store.aquery(request.query, lambda result: serialize_result(result, request, accept, max_rows),
                                  **_dataset(request))


def _dataset(request: QueryRequest) -> dict:
    """The store's keywords for the request's dataset and base IRI."""
    return {"default_graphs": request.default_graphs or None, "named_graphs": request.named_graphs or None,
            "union_default_graph": request.union_default_graph, "base_iri": request.base_iri}


@contextmanager
def _service_failures():
    """A store error that is a failed SERVICE call, raised as that call's failure."""
    try:
        yield
    except StoreError as exc:
        failure = service_failure(exc)
        if failure is None:
            raise
        raise failure from exc


def serialize_result(result, request: QueryRequest, accept: str | None, max_rows: int) -> Answer:
    """A query's result in the negotiated format, at most `max_rows` rows or triples (406 when no format fits)."""
    if result.kind == "graph":
        negotiate(GRAPH_FORMATS, accept, request.format)  # 406 before evaluating
        return answer_graph(_take(result.engine_result, max_rows, "triples"), accept, request.format)
    fmt = negotiate(RESULT_FORMATS, accept, request.format)
    write_solutions, write_boolean = SOLUTION_WRITERS[fmt.media_type]
    if result.kind == "boolean":
        return Answer(write_boolean(result.boolean), fmt.content_type)
    if result.most_rows is not None and result.most_rows <= max_rows:  # under the cap: the engine's own serializer
        return Answer(result.serialize(fmt.engine), fmt.content_type)
    variables = result.variables
    rows = [tuple(solution) for solution in _take(result.engine_result, max_rows, "rows")]  # values in variable order
    return Answer(write_solutions(variables, rows), fmt.content_type)
