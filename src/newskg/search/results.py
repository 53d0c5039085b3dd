"""Search requests and answers: the checked parameters of GET /search, and text hits joined with the graph.

Parsing is a pure function of the request's parameters (no FastAPI here); the hits come from the text index, and
each claim's claimant, claimant label, status and article from one SPARQL query over the hit IRIs (a VALUES list of
checked IRI terms: no request text reaches SPARQL).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterable

from newskg.core import vocab
from newskg.core.errors import BadRequestError, NotSupportedError
from newskg.web.page_data import Site, article_path
from newskg.sparql import terms
from newskg.search.index import MAX_LIMIT, MAX_QUERY_CHARS, TYPES, Hit

LANGS = ("nl", "en")
DEFAULT_LIMIT = 20
_PARAMS = ("q", "lang", "type", "limit", "format")
_BOLD = re.compile(r"(</?b>)")
_LABEL_PREFERENCE = ("en", "", "nl")


@dataclass(frozen=True)
class SearchRequest:
    """The checked parameters of one search."""

    query: str
    lang: str | None = None
    types: tuple[str, ...] | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_params(cls, params: Iterable[tuple[str, str]]) -> "SearchRequest":
        """The search a request's query parameters ask for; a BadRequestError naming the first bad one."""
        values: dict[str, list[str]] = {}
        for name, value in params:
            values.setdefault(name, []).append(value)
        for name in ("q", "lang", "limit"):
            if len(values.get(name, [])) > 1:
                raise BadRequestError(f"give the parameter {name!r} once, not {len(values[name])} times")
        unknown = sorted(set(values) - set(_PARAMS))
        if unknown:
            raise BadRequestError(f"unknown parameter {unknown[0][:50]!r}: use q, lang, type and limit")
        query = values.get("q", [""])[0]
        if not query.strip():
            raise BadRequestError("the parameter q (the words to search for) is missing or empty")
        if len(query) > MAX_QUERY_CHARS:
            raise BadRequestError(f"the search query is {len(query)} characters long; at most {MAX_QUERY_CHARS}")
        lang = values.get("lang", [""])[0] or None
        if lang is not None and lang not in LANGS:
            raise BadRequestError(f"unknown lang {lang[:50]!r}: use nl, en, or leave it out for every language")
        types = tuple(t for value in values.get("type", []) for t in value.split(",") if t) or None
        for kind in types or ():
            if kind not in TYPES:
                raise BadRequestError(f"unknown type {kind[:50]!r}: use one of {', '.join(TYPES)}")
        limit_text = values.get("limit", [str(DEFAULT_LIMIT)])[0].strip()
        if not limit_text.isascii() or not limit_text.isdigit() or len(limit_text) > len(str(MAX_LIMIT)):
            raise BadRequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit_text[:50]!r}")
        limit = int(limit_text)
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit}")
        return cls(query=query, lang=lang, types=types, limit=limit)


def safe_snippet(snippet: str) -> str:
    """A snippet as HTML whose only markup is <b> and </b>: every other piece is unescaped and escaped again."""
    return "".join(part if _BOLD.fullmatch(part) else html.escape(html.unescape(part), quote=False)
                   for part in _BOLD.split(snippet))


def search(kg, site: Site, request: SearchRequest) -> dict:
    """The hits of a search, each with its claimant, status, article and the link a person follows."""
    if kg.text_index is None:
        raise NotSupportedError(
            "full-text search needs the text index, which only an embedded on-disk store has; this server uses "
            "a remote or in-memory store (use SPARQL REGEX/CONTAINS there)")
    hits = kg.text_index.search(request.query, lang=request.lang, types=request.types, limit=request.limit)
    facts = _claim_facts(kg, {hit.iri for hit in hits if hit.type == "claim"})
    return {"query": request.query, "hits": [_hit_view(hit, facts.get(hit.iri, {}), site) for hit in hits]}


def _claim_facts(kg, claims: set[str]) -> dict[str, dict]:
    """Claimant, its labels, status and article of each claim, in one query."""
    named = sorted(c for c in claims if terms.is_iri(c))
    if not named:
        return {}
    n = vocab.NKG
    rows = kg.query(
        f"SELECT ?s ?claimant ?label ?status ?article WHERE {{ VALUES ?s {{ {terms.iri_list(named)} }} "
        f"OPTIONAL {{ ?s <{n}claimant> ?claimant OPTIONAL {{ {{ ?claimant <{vocab.RDFS}label> ?label }} UNION "
        f"{{ GRAPH ?g {{ ?claimant <{vocab.RDFS}label> ?label }} }} }} }} "
        f"OPTIONAL {{ ?s <{n}status> ?status }} OPTIONAL {{ ?s <{n}reportedIn> ?article }} }}"
    ).rows()
    facts: dict[str, dict] = {}
    for row in rows:
        fact = facts.setdefault(row["s"].value, {"labels": {}})
        for name in ("claimant", "status", "article"):
            if name in row and name not in fact:
                fact[name] = row[name].value
        if "label" in row:
            fact["labels"].setdefault(row["label"].language or "", row["label"].value)
    return facts


def _status_name(status: str | None) -> str | None:
    return status[len(vocab.NKG):].lower() if status and status.startswith(vocab.NKG) else status


def _href(hit: Hit, article: str | None, site: Site) -> str | None:
    if hit.iri.startswith("_:"):
        return None
    if hit.type == "claim" and article and site.local_path(article):
        return article_path(article, site, hit.iri.rsplit("/", 1)[-1])
    if hit.type == "article" and site.local_path(hit.iri):
        return article_path(hit.iri, site)
    if hit.iri.startswith(site.base_iri):
        return site.doc_path(hit.iri)
    return site.href(hit.iri)


def _hit_view(hit: Hit, fact: dict, site: Site) -> dict:
    labels = fact.get("labels", {})
    label = next((labels[lang] for lang in _LABEL_PREFERENCE if lang in labels), next(iter(labels.values()), None))
    article = fact.get("article") or (hit.iri if hit.type == "article" else None)
    return {
        "iri": hit.iri, "type": hit.type, "score": hit.score, "field": hit.field, "lang": hit.lang,
        "snippet": safe_snippet(hit.snippet),
        "claimant": fact.get("claimant"), "claimantLabel": label, "status": _status_name(fact.get("status")),
        "article": article, "href": _href(hit, fact.get("article"), site),
    }
