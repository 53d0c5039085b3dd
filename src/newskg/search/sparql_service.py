"""Full-text search as a SERVICE pattern: the text index answers the block, the engine joins its rows.

    PREFIX text: <https://w3id.org/newskg/text#>
    SELECT ?c ?score ?who WHERE {
      SERVICE text:search { ?c text:query "terrorist" ; text:lang "nl" ; text:score ?score }
      ?c nkg:claimant ?who .
    } ORDER BY DESC(?score) LIMIT 10

Like QLever's and Fuseki's text patterns, the rows come from the index, not from a function called on every row:
before evaluation, each `SERVICE text:search { ... }` block is searched and replaced by a `VALUES` block of its rows
(the subjects' IRIs and, when asked, their BM25 scores), so the engine joins a few hundred rows instead of calling
text:score on every candidate. SPARQL evaluates a SERVICE block by joining its results with the rest of the group,
which is exactly what the VALUES block at the same place does: answers are the same under any ORDER BY, LIMIT or
join. Every matching subject is a row (or the best `text:limit`); a search matching more than MAX_ROWS subjects
without a `text:limit` is a 400, never a silent cut.

The block's grammar: one subject variable and these predicates (objects are constants, except text:score):
`text:query "words"` (required, the search's query language), `text:lang "nl"|"en"`, `text:type "claim"` (repeat it
or separate by commas), `text:limit N`, `text:score ?var`. The rows are written from the index's IRIs as checked
terms; no text of the request is pasted into the query but the VALUES rows built from those terms.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import BadRequestError
from newskg.sparql import terms
from newskg.sparql.federation import Token, tokenize
from newskg.search.index import TYPES, TextIndex

SEARCH = vocab.TEXT + "search"
MAX_ROWS = 50_000
PLAIN_VALUES_ROWS = 1_000
OPTIONS = ("query", "lang", "type", "limit", "score")
_XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ESCAPED = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f"}


def _string_value(token: Token) -> str:
    quotes = 3 if token.kind == "long_string" else 1
    body = token.text[quotes:-quotes]

    def unescape(match: re.Match) -> str:
        if match.group(3) is not None:
            return _ESCAPED.get(match.group(3), match.group(3))
        return chr(int(match.group(1) or match.group(2), 16))

    return _ESCAPE.sub(unescape, body)


def _prefixes(tokens: list[Token]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, token in enumerate(tokens[:-2]):
        if token.kind == "word" and token.text.upper() == "PREFIX" and tokens[i + 2].kind == "iri":
            found[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
    return found


def _expand(token: Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else None
    return None


def _closing(tokens: list[Token], opening: int) -> int:
    depth = 0
    for k in range(opening, len(tokens)):
        depth += tokens[k].text == "{"
        depth -= tokens[k].text == "}"
        if depth == 0:
            return k
    raise BadRequestError("SERVICE text:search: the block is not closed")


def _search_blocks(tokens: list[Token], prefixes: dict[str, str]) -> list[tuple[int, int, int, bool]]:
    """(SERVICE token, opening brace, closing brace, SILENT) of every SERVICE text:search block."""
    blocks, remote = [], []
    i = 0
    while i < len(tokens):
        if tokens[i].kind == "word" and tokens[i].text.upper() == "SERVICE":
            j = i + 1
            silent = j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "SILENT"
            j += silent
            if j + 1 < len(tokens) and tokens[j + 1].text == "{":
                target = _expand(tokens[j], prefixes)
                end = _closing(tokens, j + 1)
                if target == SEARCH:
                    blocks.append((i, j + 1, end, silent))
                    i = end + 1
                    continue
                remote.append((j + 1, end))
        i += 1
    for start, _, end, _ in blocks:
        if any(outer_start < start and end < outer_end for outer_start, outer_end in remote):
            raise BadRequestError("SERVICE text:search cannot stand inside another SERVICE block: the text index "
                                  "is here, not at the remote endpoint")
    return blocks


def _read_block(body: list[Token], prefixes: dict[str, str]) -> tuple[str, dict[str, list[Token]]]:
    """The block's subject variable and its options (predicate local name -> object tokens)."""
    def fail(message: str) -> BadRequestError:
        return BadRequestError(f"SERVICE text:search: {message}; write "
                               '{ ?s text:query "words" ; text:lang "nl" ; text:score ?score }')

    if not body or body[0].kind != "var":
        raise fail("the block must start with the subject variable")
    subject = body[0].text[1:]
    options: dict[str, list[Token]] = {}
    k = 1
    while k < len(body):
        predicate = _expand(body[k], prefixes)
        if predicate is None or not predicate.startswith(vocab.TEXT) or predicate[len(vocab.TEXT):] not in OPTIONS:
            shown = body[k].text[:60]
            raise fail(f"{shown!r} is not one of text:{', text:'.join(OPTIONS)}")
        if k + 1 >= len(body):
            raise fail(f"text:{predicate[len(vocab.TEXT):]} has no object")
        value = body[k + 1]
        following = body[k + 2] if k + 2 < len(body) else None
        if following is not None and (following.kind == "langtag" or following.text == "^"):
            raise fail("the objects are plain strings, integers or (for text:score) a variable")
        options.setdefault(predicate[len(vocab.TEXT):], []).append(value)
        k += 2
        if k < len(body):
            separator = body[k].text
            if separator == ";":
                k += 1
            elif separator == ".":
                k += 1
                if k < len(body):
                    if body[k].kind != "var" or body[k].text[1:] != subject:
                        raise fail("every triple of the block has the same subject variable")
                    k += 1
            else:
                raise fail(f"unexpected {separator[:60]!r}")
    return subject, options


def _search_rows(index: TextIndex, subject: str, options: dict[str, list[Token]]) -> str:
    def single(name: str, kinds: tuple[str, ...]) -> Token | None:
        values = options.get(name, [])
        if len(values) > 1:
            raise BadRequestError(f"SERVICE text:search: give text:{name} once")
        if values and values[0].kind not in kinds:
            raise BadRequestError(f"SERVICE text:search: text:{name} takes a {' or '.join(kinds).replace('_', ' ')}")
        return values[0] if values else None

    query_token = single("query", ("string", "long_string"))
    if query_token is None:
        raise BadRequestError('SERVICE text:search: text:query "words" is required')
    lang_token = single("lang", ("string",))
    lang = _string_value(lang_token) if lang_token else None
    if lang is not None and lang not in ("nl", "en"):
        raise BadRequestError(f'SERVICE text:search: text:lang is "nl" or "en", not {lang[:20]!r}')
    types = None
    for token in options.get("type", []):
        if token.kind != "string":
            raise BadRequestError("SERVICE text:search: text:type takes a string")
        types = (types or []) + [t.strip() for t in _string_value(token).split(",") if t.strip()]
    for kind in types or ():
        if kind not in TYPES:
            raise BadRequestError(f"SERVICE text:search: unknown text:type {kind[:30]!r}: use one of {', '.join(TYPES)}")
    limit_token = single("limit", ("number",))
    limit = None
    if limit_token is not None:
        if not limit_token.text.isdigit() or not 1 <= int(limit_token.text) <= MAX_ROWS:
            raise BadRequestError(f"SERVICE text:search: text:limit is a whole number from 1 to {MAX_ROWS}")
        limit = int(limit_token.text)
    score_token = single("score", ("var",))
    found = index.scores(_string_value(query_token), lang=lang, types=types)
    ranked = sorted(((score, iri) for iri, score in found.items() if not iri.startswith("_:")),
                    key=lambda pair: (-pair[0], pair[1]))
    if limit is not None:
        ranked = ranked[:limit]
    elif len(ranked) > MAX_ROWS:
        raise BadRequestError(f"SERVICE text:search matches {len(ranked)} subjects, more than {MAX_ROWS}: "
                              "narrow the words or give text:limit N (the best N by score)")
    if score_token is None:
        rows = " ".join(terms.text(ox.NamedNode(iri)) for _, iri in ranked)
        return _values_block(f"?{subject}", rows, len(ranked))
    if score_token.text[1:] == subject:
        raise BadRequestError("SERVICE text:search: text:score needs a variable of its own")
    rows = " ".join(f"({terms.text(ox.NamedNode(iri))} {terms.text(ox.Literal(repr(float(score)), datatype=_XSD_DOUBLE))})"
                    for score, iri in ranked)
    return _values_block(f"(?{subject} ?{score_token.text[1:]})", rows, len(ranked))


def _values_block(variables: str, rows: str, count: int) -> str:
    """The VALUES block, inside a subquery past PLAIN_VALUES_ROWS rows: the same solutions joined the same way, but
    pyoxigraph 0.5's optimizer then hash-joins it, where a bare VALUES of more than 1,000 rows is probed once per
    row of a pattern like `?c a nkg:Claim` (measured: 2,000 rows against 100k claims, 3.3 s bare, 0.11 s wrapped;
    up to 1,000 rows the bare block is fastest)."""
    block = f"VALUES {variables} {{ {rows} }}"
    return block if count <= PLAIN_VALUES_ROWS else f"{{ SELECT * WHERE {{ {block} }} }}"


def uses_text_search(sparql: str) -> bool:
    """Whether a query may hold a SERVICE text:search block (a cheap test before reading it)."""
    return vocab.TEXT in sparql and re.search("service", sparql, re.IGNORECASE) is not None


def rewrite_text_search(sparql: str, index: TextIndex | None) -> str:
    """The query with each SERVICE text:search block replaced by the VALUES block of its rows."""
    if not uses_text_search(sparql):
        return sparql
    tokens = tokenize(sparql)
    prefixes = _prefixes(tokens)
    blocks = _search_blocks(tokens, prefixes)
    if not blocks:
        return sparql
    if index is None:
        raise BadRequestError(
            f"SERVICE <{SEARCH}> needs the text index, which only an on-disk embedded store has; this store has none")
    out = sparql
    for start, opening, closing, silent in reversed(blocks):
        subject, options = _read_block(tokens[opening + 1:closing], prefixes)
        try:
            values = _search_rows(index, subject, options)
        except BadRequestError:
            if not silent:
                raise
            values = f"VALUES ?{subject} {{ }}"  # SILENT: a failed service gives no rows
        out = out[:tokens[start].start] + values + out[tokens[closing].end:]
    return out
