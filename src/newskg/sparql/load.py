"""LOAD without the engine's own HTTP client: documents are fetched through the egress policy and written as data.

pyoxigraph fetches a LOAD's document itself, from any address. Instead, before the update runs, each
`LOAD [SILENT] <iri> [INTO GRAPH <g>]` is fetched here through :class:`newskg.egress.policy.EgressClient` (allow-list,
checked address, redirects checked, size and time limits), parsed, and replaced by the equivalent data operation:
`INSERT DATA { ... }` into the default graph or GRAPH <g>; for an empty document LOAD INTO GRAPH still creates the
graph (`CREATE SILENT GRAPH <g>`). A LOAD SILENT that is refused or fails becomes a no-op, as SPARQL 1.1 Update
§3.1.4 asks (https://www.w3.org/TR/sparql11-update/#load); a LOAD without SILENT fails the whole request.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pyoxigraph as ox

from newskg.egress.policy import EgressClient, service_policy
from newskg.core.errors import ForbiddenTargetError, NewsKGError, UpstreamError
from newskg.core.rdfio import parse_quads, quads_as_insert_data
from newskg.core.redaction import shown_endpoint
from newskg.sparql.federation import RemoteTarget, remote_targets, target_refusal
from newskg.sparql.formats import EXTENSIONS, format_for_media_type
from newskg.sparql.terms import iri_text

NO_OPERATION = "INSERT DATA {}"
_ACCEPT = (
    "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8, application/ld+json;q=0.7, "
    "text/n3;q=0.5, */*;q=0.1"
)


def inline_loads(update_text: str, settings, base_iri: str | None = None, *, resolve=None) -> str:
    """The update with each LOAD replaced by the data it loads, fetched through the egress policy.

    Every SERVICE and LOAD target is checked first (400 before anything is fetched); a refused LOAD SILENT is a
    no-op.
    """
    if "LOAD" not in update_text.upper():
        return update_text
    allowed = settings.service_allowlist()
    replacements, loads = [], []
    for target in remote_targets(update_text, base_iri):
        reason = target_refusal(target, allowed)
        if reason is None:
            loads += [target] if target.keyword == "LOAD" else []
        elif target.keyword == "LOAD" and target.silent:
            replacements.append((target, NO_OPERATION))
        else:
            raise ForbiddenTargetError(reason)
    if loads:
        with EgressClient(service_policy(settings, "LOAD"), resolve=resolve) as client:
            replacements += [(target, _loaded(target, client)) for target in loads]
    for target, replacement in sorted(replacements, key=lambda r: r[0].operation_start, reverse=True):
        update_text = update_text[: target.operation_start] + replacement + update_text[target.operation_end :]
    return update_text


def _loaded(target: RemoteTarget, client: EgressClient) -> str:
    """The data operation that does what one (allowed) LOAD does; a no-op for a LOAD SILENT that fails."""
    try:
        quads = _fetch(target, client)
    except NewsKGError:
        if target.silent:
            return NO_OPERATION
        raise
    if quads:
        return f"INSERT DATA {{\n{quads_as_insert_data(quads)}\n}}"
    return f"CREATE SILENT GRAPH {iri_text(target.graph)}" if target.graph else NO_OPERATION


def _fetch(target: RemoteTarget, client: EgressClient) -> list:
    shown = shown_endpoint(target.iri)
    response = client.request("GET", target.iri, headers={"Accept": _ACCEPT})
    if response.status_code >= 400:
        raise UpstreamError(f"LOAD <{shown}> answered HTTP {response.status_code}",
                            detail={"endpoint": shown, "status": response.status_code})
    rdf_format = _format(response.headers.get("content-type"), target.iri)
    try:
        return parse_quads(response.content, rdf_format, into_graph=target.graph or "", base_iri=str(response.url))
    except NewsKGError as exc:
        raise UpstreamError(f"LOAD <{shown}>: the document is not RDF this service reads: {exc.message}",
                            detail={"endpoint": shown, "line": exc.line, "column": exc.column}) from exc


def _format(content_type: str | None, iri: str) -> ox.RdfFormat:
    """The document's RDF syntax: its Content-Type, else the extension of the IRI's path."""
    try:
        return format_for_media_type(content_type)
    except NewsKGError:
        suffix = PurePosixPath(urlsplit(iri).path).suffix.lower()
        if suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
        raise UpstreamError(
            f"LOAD <{shown_endpoint(iri)}>: the answer's media type {content_type or '(none)'} is not an RDF syntax"
        ) from None
