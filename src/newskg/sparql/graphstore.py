"""Graph Store Protocol request bodies: relative IRIs, multipart/form-data, and the IRI of a graph POST creates.

https://www.w3.org/TR/sparql11-http-rdf-update/ §5.5 (POST: multipart/form-data, new graphs) and §5.6 (base IRI).
A body is parsed here, against its base, and handed on as N-Triples (one graph) or N-Quads (the dataset), so the
knowledge graph's write path sees one complete, absolute-IRI body whatever the client sent.
"""

from __future__ import annotations

import uuid
from email.parser import BytesParser
from email.policy import HTTP

import pyoxigraph as ox

from newskg.core.errors import ProtocolError
from newskg.core.rdfio import parse_quads
from newskg.sparql.formats import format_for_media_type

MULTIPART = "multipart/form-data"


def _parts(content_type: str, body: bytes) -> list[tuple[str | None, bytes]]:
    """The (Content-Type, content) of each part of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise ProtocolError("the multipart/form-data body has no parts (is the boundary right?)")
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        parts.append((part.get("Content-Type"), payload))
    if not parts:
        raise ProtocolError("the multipart/form-data body has no parts")
    return parts


def graph_store_body(content_type: str | None, body: bytes, *, graph: str | None, base_iri: str) -> tuple[bytes, object]:
    """The body as (N-Triples or N-Quads bytes, its engine format), parsed against `base_iri`.

    `graph` is the target ("" the default graph, an IRI, None the dataset); multipart/form-data bodies are merged
    part by part, each by its own Content-Type. Syntax errors are 400, unknown media types 415.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    pieces = _parts(content_type or "", body) if media == MULTIPART else [(content_type, body)]
    quads = []
    for part_type, data in pieces:
        quads += parse_quads(data, format_for_media_type(part_type), into_graph=graph, base_iri=base_iri)
    if graph is None:
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", ox.RdfFormat.N_QUADS
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", ox.RdfFormat.N_TRIPLES


def is_dataset_body(content_type: str | None) -> bool:
    """True when the body's syntax carries named graphs (TriG, N-Quads)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == MULTIPART:
        return False
    return format_for_media_type(content_type).supports_datasets


def new_graph_iri(store_url: str) -> str:
    """A fresh graph IRI under the graph store's URL, for a POST that creates a graph (§5.5)."""
    return f"{store_url.rstrip('/')}/{uuid.uuid4().hex}"
