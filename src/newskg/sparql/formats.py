"""Media types, short format names and content negotiation for SPARQL results and RDF."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from newskg.core.errors import NotAcceptableError, UnsupportedMediaTypeError


@dataclass(frozen=True)
class Format:
    """One serialization: its media type, the names `format=` accepts, and the engine's enum value."""

    media_type: str
    names: tuple[str, ...]
    engine: object
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header value for a body in this format."""
        text = self.media_type.startswith("text/") or self.media_type in TEXTUAL_TYPES
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


TEXTUAL_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/ld+json",
}


class Formats(tuple):
    """The formats one kind of answer can be sent in. Hashed by identity: each is a module constant, and negotiation
    is memoised per (formats, Accept, format=), which hashing every Format at each request would cost more than."""

    __slots__ = ()

    def __hash__(self) -> int:
        return id(self)


RESULT_FORMATS: tuple[Format, ...] = Formats((
    Format("application/sparql-results+json", ("json", "srj"), ox.QueryResultsFormat.JSON, ("application/json",)),
    Format("application/sparql-results+xml", ("xml", "srx"), ox.QueryResultsFormat.XML, ("application/xml", "text/xml")),
    Format("text/csv", ("csv",), ox.QueryResultsFormat.CSV),
    Format("text/tab-separated-values", ("tsv",), ox.QueryResultsFormat.TSV),
))

GRAPH_FORMATS: tuple[Format, ...] = Formats((
    # Turtle is N3 too: clients asking for N3 (SPARQLWrapper's N3) get Turtle, labelled as Turtle
    Format("text/turtle", ("turtle", "ttl", "n3"), ox.RdfFormat.TURTLE, ("application/x-turtle", "text/n3",
                                                                       "text/rdf+n3")),
    Format("application/n-triples", ("nt", "ntriples", "n-triples"), ox.RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("application/rdf+xml", ("rdfxml", "rdf+xml", "rdf", "xml", "owl"), ox.RdfFormat.RDF_XML),
    Format("application/ld+json", ("jsonld", "json-ld", "json"), ox.RdfFormat.JSON_LD, ("application/json",)),
    Format("application/trig", ("trig",), ox.RdfFormat.TRIG),
    Format("application/n-quads", ("nq", "nquads", "n-quads"), ox.RdfFormat.N_QUADS, ("text/x-nquads",)),
))

DATASET_FORMATS: tuple[Format, ...] = Formats(f for f in GRAPH_FORMATS if f.engine.supports_datasets)

# RDF syntaxes accepted as input (bodies and files), by media type and by file extension.
INPUT_FORMATS: tuple[Format, ...] = (  # N3 first: a body sent as text/n3 is read as N3, not as the Turtle it may be
    Format("text/n3", ("n3",), ox.RdfFormat.N3),
) + GRAPH_FORMATS
EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".n3": ox.RdfFormat.N3,
}


def format_for_path(path: Path | str) -> ox.RdfFormat:
    """The RDF syntax of a file, by its extension (a trailing .gz is not supported)."""
    suffix = Path(path).suffix.lower()
    try:
        return EXTENSIONS[suffix]
    except KeyError:
        known = ", ".join(sorted(EXTENSIONS))
        raise UnsupportedMediaTypeError(f"unknown RDF file extension {suffix!r} of {path}; known: {known}") from None


def format_for_media_type(content_type: str | None) -> ox.RdfFormat:
    """The RDF syntax of a request body by its Content-Type; 415 when unknown or missing."""
    media = (content_type or "").split(";")[0].strip().lower()
    for fmt in INPUT_FORMATS:
        if media == fmt.media_type or media in fmt.aliases:
            return fmt.engine
    raise UnsupportedMediaTypeError(f"unsupported RDF media type {media or '(none)'!r}")


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return (self.type in ("*", main)) and (self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header into media ranges (q-values honoured, malformed parts ignored)."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        ranges.append(MediaRange(main, sub, q, order))
    return ranges


def _quality(ranges: list[MediaRange], media_type: str) -> tuple[float, int]:
    best = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    if best is None:
        return 0.0, 0
    return best.q, best.specificity


# Clients send the same few Accept headers; negotiating one costs about 15 us. Longer texts are not remembered.
_MEMO_CHARS = 512


def negotiate(formats: tuple[Format, ...], accept: str | None, format_name: str | None = None) -> Format:
    """Choose the format for a response: `format=` wins, else the Accept header's best; 406 when nothing fits."""
    chosen = negotiated(formats, accept, format_name)
    return chosen if chosen is not None else _negotiate(formats, accept, format_name)  # raises the 406


def negotiated(formats: tuple[Format, ...], accept: str | None, format_name: str | None = None) -> Format | None:
    """`negotiate`, with None where it would refuse (406)."""
    if len(accept or "") + len(format_name or "") <= _MEMO_CHARS:
        return _negotiated_memo(formats, accept, format_name)
    return _negotiated(formats, accept, format_name)


def _negotiated(formats: tuple[Format, ...], accept: str | None, format_name: str | None) -> Format | None:
    try:
        return _negotiate(formats, accept, format_name)
    except NotAcceptableError:
        return None


_negotiated_memo = functools.lru_cache(maxsize=512)(_negotiated)


def _negotiate(formats: tuple[Format, ...], accept: str | None, format_name: str | None) -> Format:
    if format_name:  # a name, a media type, or a comma-separated list of them: the first one available wins
        for wanted in (part.strip().lower() for part in format_name.split(",")):
            for fmt in formats:
                if wanted in fmt.names or wanted == fmt.media_type or wanted in fmt.aliases:
                    return fmt
        offered = ", ".join(n for f in formats for n in f.names[:1])
        shown = format_name if len(format_name) <= 80 else format_name[:80] + "..."
        raise NotAcceptableError(f"format {shown!r} is not available here; choose one of: {offered}")
    ranges = parse_accept(accept)
    best: tuple | None = None
    chosen: Format | None = None
    for position, fmt in enumerate(formats):
        q, spec, primary = max(
            (*_quality(ranges, t), t == fmt.media_type) for t in (fmt.media_type, *fmt.aliases)
        )
        if q <= 0:
            continue
        key = (q, spec, primary, -position)
        if best is None or key > best:
            best, chosen = key, fmt
    if chosen is None:
        offered = ", ".join(f.media_type for f in formats)
        raise NotAcceptableError(f"none of the accepted media types ({accept}) can be produced; offered: {offered}")
    return chosen
