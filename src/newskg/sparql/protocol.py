"""SPARQL 1.1 Protocol request parsing: a pure function from an HTTP request's parts to an operation.

https://www.w3.org/TR/sparql11-protocol/ §2.1 (query) and §2.2 (update).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pyoxigraph as ox

from newskg.core.errors import MethodNotAllowedError, ProtocolError, UnsupportedMediaTypeError


@dataclass
class QueryRequest:
    query: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    union_default_graph: bool = False
    format: str | None = None
    timeout_s: float | None = None
    base_iri: str | None = None  # the service's base for relative IRIs: the endpoint (Protocol §2.1.4)
    infer: bool | None = None


@dataclass
class UpdateRequest:
    update: str
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    base_iri: str | None = None


@dataclass
class DescriptionRequest:
    """A GET without query: the Service Description is wanted."""

    format: str | None = None


FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise ProtocolError(f"exactly one '{name}' parameter is allowed, got {len(values)}")
    return values[0] if values else None


def _formats(params: list[tuple[str, str]]) -> str | None:
    """The `format` parameters as one comma-separated list of names, in order (see formats.negotiate): SPARQLWrapper
    sends two for one format (`format=tsv&format=text/tab-separated-values`), and a media type list as one."""
    values = [v for k, v in params if k == "format" and v.strip()]
    return ",".join(values) if values else None


def _all(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def _iris(params: list[tuple[str, str]], name: str) -> list[str]:
    """All values of an IRI parameter, each checked to be an absolute IRI (400 otherwise)."""
    return [checked_iri(value, name) for value in _all(params, name)]


def checked_iri(value: str, what: str) -> str:
    """`value` if it is an absolute IRI; a 400 naming `what` if not."""
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ProtocolError(f"{what} must be an absolute IRI, got {value!r}: {exc}") from None
    return value


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


def optional_flag(value: str | None) -> bool | None:
    """True or false from a flag parameter, None when it is absent or empty; 400 for anything else."""
    if value is None or value == "":
        return None
    if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ProtocolError(f"expected true or false, got {value!r}")
    return _flag(value)


def _timeout(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ProtocolError(f"timeout must be a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ProtocolError(f"timeout must be a positive, finite number of seconds, got {value!r}")
    return seconds


def _query_request(params: list[tuple[str, str]], query: str, base_iri: str | None) -> QueryRequest:
    return QueryRequest(
        base_iri=base_iri,
        query=query,
        default_graphs=_iris(params, "default-graph-uri"),
        named_graphs=_iris(params, "named-graph-uri"),
        union_default_graph=_flag(_single(params, "union-default-graph")),
        format=_formats(params),
        timeout_s=_timeout(_single(params, "timeout")),
        infer=optional_flag(_single(params, "infer")),
    )


def _update_request(params: list[tuple[str, str]], update: str, base_iri: str | None) -> UpdateRequest:
    return UpdateRequest(
        base_iri=base_iri,
        update=update,
        using_graphs=_iris(params, "using-graph-uri"),
        using_named_graphs=_iris(params, "using-named-graph-uri"),
    )


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the request body is not UTF-8: {exc}") from None


def parse_request(
    method: str, content_type: str | None, query_string: str, body: bytes, base_iri: str | None = None
) -> QueryRequest | UpdateRequest | DescriptionRequest:
    """Turn (method, content type, query string, body) into the operation it asks for, or raise.

    `base_iri` is what relative IRIs in the query or update resolve against when it declares no BASE.
    """
    url_params = parse_qsl(query_string, keep_blank_values=True)
    method = method.upper()
    if method in ("GET", "HEAD"):
        if _all(url_params, "update"):
            raise ProtocolError("updates must be sent with POST, not GET")
        query = _single(url_params, "query")
        if query is None:
            return DescriptionRequest(format=_formats(url_params))
        return _query_request(url_params, query, base_iri)
    if method != "POST":
        raise MethodNotAllowedError(f"{method} is not allowed on the SPARQL endpoint; use GET or POST")

    media = _media(content_type)
    if media == FORM:
        form = parse_qsl(_decode(body), keep_blank_values=True)
        params = url_params + form
        queries, updates = _all(params, "query"), _all(params, "update")
        if queries and updates:
            raise ProtocolError("a request carries either 'query' or 'update', not both")
        if updates:
            return _update_request(params, _single(params, "update"), base_iri)
        if queries:
            return _query_request(params, _single(params, "query"), base_iri)
        raise ProtocolError("the form has neither a 'query' nor an 'update' parameter")
    if media == QUERY_BODY:
        if _all(url_params, "query"):
            raise ProtocolError("a query sent as the body must not also be a 'query' parameter")
        return _query_request(url_params, _decode(body), base_iri)
    if media == UPDATE_BODY:
        if _all(url_params, "update"):
            raise ProtocolError("an update sent as the body must not also be an 'update' parameter")
        return _update_request(url_params, _decode(body), base_iri)
    raise UnsupportedMediaTypeError(
        f"unsupported Content-Type {media or '(none)'!r}; use {FORM}, {QUERY_BODY} or {UPDATE_BODY}"
    )
