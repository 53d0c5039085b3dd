"""How deeply a query or update nests its groups, lists and expressions, checked before any engine parses it.

spargebra's parser recurses once per level: thousands of nested `{`, `(` or `[` overflow its stack and kill the
process, and nested blank-node lists `[ ?p [ ?p ... ] ]` take time that grows with the cube of the depth (80
levels: 0.9 s; 160 levels: 14 s, measured here). Real queries nest a dozen levels; the limit is a setting.
"""

from __future__ import annotations

from newskg.core.errors import NestingTooDeepError
from newskg.sparql.federation import tokenize, unescape_codepoints

_OPEN, _CLOSE = set("{(["), set("})]")


def _openings(text: str) -> int:
    return text.count("{") + text.count("(") + text.count("[")


def _depth(text: str) -> int:
    depth = deepest = 0
    for token in tokenize(text):
        if token.kind != "other":
            continue
        if token.text in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif token.text in _CLOSE:
            depth = max(0, depth - 1)
    return deepest


def nesting_depth(text: str) -> int:
    """The deepest nesting of `{`, `(` and `[` in a SPARQL text (strings, IRIs and comments skipped), read both as
    written and with codepoint escapes decoded (as the SPARQL spec reads it; pyoxigraph decodes them only inside
    IRIs and strings): the deeper of the two, so that no reading hides a level from the check."""
    return max(_depth(text), _depth(unescape_codepoints(text)))


def check_nesting(text: str, limit: int) -> None:
    """Refuse (400) a query or update nested deeper than `limit` levels."""
    if max(_openings(text), _openings(unescape_codepoints(text))) <= limit:
        return  # no more openings in all than the limit, so no deeper nesting (the usual case, without tokenizing)
    depth = nesting_depth(text)
    if depth > limit:
        raise NestingTooDeepError(
            f"the query or update nests {depth} levels deep; the limit is {limit} (NEWSKG_MAX_SPARQL_NESTING)"
        )
