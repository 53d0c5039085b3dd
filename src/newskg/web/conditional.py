"""HTTP caching of answers: validators, If-None-Match, and the headers that tell caches to revalidate.

Every answer computed from the data carries `Cache-Control: no-cache` (a cache may keep it but must ask again before
reusing it: any write can change it) and `Vary: Accept` (the same URL gives JSON, XML, CSV, Turtle...). An answer
that can change only with a write also carries a weak `ETag` (see sparql/cache.py: `entity_tag`), computed from the
data version and the request without evaluating anything, so a matching `If-None-Match` is answered before the
query runs: `304 Not Modified` for GET and HEAD, `412 Precondition Failed` for other methods (RFC 9110 §13.1.2).
`If-None-Match: *` holds when the answer exists, which only evaluating it tells. Errors carry no validator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from fastapi import Request, Response

from newskg.core.errors import PreconditionFailedError
from newskg.sparql.cache import data_version

CACHE_CONTROL = "no-cache"
VARY = "Accept"

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
_ENTITY_TAG = re.compile(r'(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")')


def answer_headers() -> dict[str, str]:
    """The caching headers of an answer computed from the data (a 200 or its 304)."""
    return {"Cache-Control": CACHE_CONTROL, "Vary": VARY}


def opaque_tag(entity_tag: str) -> str:
    """The quoted part of an entity tag: what the weak comparison compares."""
    return entity_tag[2:] if entity_tag.startswith("W/") else entity_tag


@dataclass(frozen=True)
class IfNoneMatch:
    """The If-None-Match precondition of a request: `*`, or the opaque tags it lists."""

    any: bool
    tags: frozenset[str]

    @classmethod
    def of(cls, request: Request) -> "IfNoneMatch | None":
        """The request's precondition (its If-None-Match lines as one list), or None when it sends none.

        The entity tags are read in order, each quoted string whole (an opaque tag may hold a comma); text between
        them that is not a tag matches nothing (a malformed field never answers 304).
        """
        lines = request.headers.getlist("if-none-match")
        if not lines:
            return None
        if any(line.strip() == "*" for line in lines):
            return cls(any=True, tags=frozenset())
        return cls(any=False, tags=frozenset(tag for line in lines for tag in _ENTITY_TAG.findall(line)))

    def matches(self, entity_tag: str | None) -> bool:
        """True when the tag is listed (weak comparison, RFC 9110 §8.8.3.2): the condition is then false."""
        return entity_tag is not None and opaque_tag(entity_tag) in self.tags


def condition_false(request: Request, headers: dict[str, str]) -> Response:
    """What a request whose If-None-Match does not hold gets: 304 with the answer's headers and no body for GET and
    HEAD; 412 for any other method."""
    if request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers=headers)
    raise PreconditionFailedError(
        "If-None-Match: the answer has not changed (a POST gets 412, RFC 9110 §13.1.2; use GET for a 304)"
    )


def conditional_answer(request: Request, kg, version: str, tag: str | None,
                       produce: Callable[[], tuple[bytes, str]], headers: dict[str, str] | None = None, *,
                       with_body: bool = True) -> Response:
    """The answer `produce()` gives (body, content type), with the caching headers, `headers`, and `tag` as its ETag
    (None: no validator, the answer can change without a write); a 304 (412) instead when If-None-Match says so.

    `tag` was computed from the data `version` before any work, so a listed tag is answered without producing
    anything. (An async route does the same with `before_answer`, its awaited answer, then `after_answer`.)
    """
    headers = {**answer_headers(), **(headers or {})}
    unchanged = before_answer(request, tag, headers)
    if unchanged is not None:
        return unchanged
    body, content_type = produce()
    return after_answer(request, kg, version, tag, body, content_type, headers, with_body=with_body)


def before_answer(request: Request, tag: str | None, headers: dict[str, str]) -> Response | None:
    """Before any work: `tag` goes into `headers` as the ETag; the 304 (412) when If-None-Match lists it."""
    if tag is None:
        return None
    headers["ETag"] = tag
    condition = IfNoneMatch.of(request)
    if condition is not None and not condition.any and condition.matches(tag):
        return condition_false(request, headers)
    return None


def after_answer(request: Request, kg, version: str, tag: str | None, body: bytes, content_type: str,
                 headers: dict[str, str], *, with_body: bool = True) -> Response:
    """The response for an answer produced: without its ETag if a write was committed meanwhile (the answer may be
    of either version); a 304 (412) for `If-None-Match: *`, which holds once an answer exists."""
    if tag is not None and data_version(kg) != version:
        headers.pop("ETag", None)
    condition = IfNoneMatch.of(request)
    if condition is not None and condition.any:
        return condition_false(request, headers)
    if not with_body:
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(body, media_type=content_type, headers=headers)
