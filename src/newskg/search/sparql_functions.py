"""Full-text search inside SPARQL: the custom functions text:score and text:match over the text index.

    PREFIX text: <https://w3id.org/newskg/text#>
    ?c a nkg:Claim . BIND(text:score(?c, "terrorist", "nl") AS ?score) FILTER(BOUND(?score)) ... ORDER BY DESC(?score)

`text:score(?s, "query" [, "nl"|"en"])` is the BM25 score (xsd:double) of the best literal of ?s matching the query
(unbound, an error, when none does); `text:match(...)` is true or false. The score is a value of the row, so the
answer stays correct under ORDER BY, LIMIT and any join. Within one query evaluation each (query, language) is
searched once; every row after the first is a dict lookup.
"""

from __future__ import annotations

import re
from typing import Callable

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import BadRequestError, NewsKGError
from newskg.search.index import TextIndex

TEXT = vocab.TEXT
SCORE = TEXT + "score"
MATCH = TEXT + "match"
FUNCTION_NAMES = (SCORE, MATCH)
LANGUAGES = ("nl", "en")

_XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
_PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<" + re.escape(TEXT) + ">", re.IGNORECASE)
_STRING = r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ESCAPED = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f"}


def _call_pattern(names: list[str], arguments: str = "") -> re.Pattern:
    """A call of text:score or text:match under any of the prefixes `names`, or by full IRI."""
    heads = [re.escape(f"<{TEXT}") + r"(score|match)>"]
    heads += [r"(?<![\w.:-])" + re.escape(f"{name}:") + r"(score|match)\b" for name in names]
    return re.compile("(?:" + "|".join(heads) + r")\s*\(" + arguments)


def _prefixes(sparql: str) -> list[str]:
    return [match.group(1) or "" for match in _PREFIX_DECLARATION.finditer(sparql)]


def calls_text_functions(sparql: str) -> bool:
    """Whether a query calls text:score or text:match (by a prefix bound to the text namespace, or by full IRI)."""
    return TEXT in sparql and _call_pattern(_prefixes(sparql)).search(sparql) is not None


def _unescaped(match: re.Match) -> str:
    digits = match.group(1) or match.group(2)
    if digits is None:
        return _ESCAPED.get(match.group(3), match.group(3))  # \t \n ... and \" \' \\
    code = int(digits, 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def _unquote(literal: str) -> str:
    """A string literal's value: its `\\uXXXX` and `\\UXXXXXXXX` escapes and its character escapes applied."""
    return _ESCAPE.sub(_unescaped, literal[1:-1])


def constant_searches(sparql: str) -> list[tuple[str, str | None]]:
    """The (query, language) pairs a query's text function calls name as constants, in order of appearance."""
    arguments = r"\s*[?$]\w+\s*,\s*" + _STRING + r"(?:\s*,\s*" + _STRING + r")?\s*\)"
    found = []
    for match in _call_pattern(_prefixes(sparql), arguments).finditer(sparql):
        query, lang = match.group(match.re.groups - 1), match.group(match.re.groups)
        found.append((_unquote(query), _unquote(lang) if lang else None))
    return found


class TextFunctions:
    """The text functions for one query evaluation, with its own cache of searches."""

    def __init__(self, index: TextIndex):
        self.index = index
        self._scores: dict[tuple[str, str | None], dict[str, float] | None] = {}

    def prepare(self, sparql: str) -> None:
        """Search each constant (query, language) of `sparql` now: a bad search query is the client's 400 here,
        where it would otherwise only make every row's score unbound."""
        for query, lang in constant_searches(sparql):
            if lang is not None and lang not in LANGUAGES:
                raise BadRequestError(f"text:score/text:match: unknown language {lang!r}: use \"nl\" or \"en\"")
            self._scores[(query, lang)] = self._search(query, lang)

    def _search(self, query: str, lang: str | None) -> dict[str, float]:
        return self.index.scores(query, lang=lang)

    def _score_of(self, subject, query, lang=None) -> float | None:
        if not isinstance(subject, (ox.NamedNode, ox.BlankNode)) or not isinstance(query, ox.Literal):
            return None
        language = None
        if lang is not None:
            if not isinstance(lang, ox.Literal) or lang.value.lower() not in LANGUAGES:
                return None
            language = lang.value.lower()
        key = (query.value, language)
        if key not in self._scores:
            try:
                self._scores[key] = self._search(*key)
            except NewsKGError:
                self._scores[key] = None  # a bad query found only at evaluation: no row matches
        scores = self._scores[key]
        if scores is None:
            return None
        name = f"_:{subject.value}" if isinstance(subject, ox.BlankNode) else subject.value
        return scores.get(name)

    def score(self, subject, query, lang=None):
        """text:score: the best BM25 score of the subject's literals matching the query; None (unbound) if none."""
        found = self._score_of(subject, query, lang)
        return None if found is None else ox.Literal(repr(float(found)), datatype=_XSD_DOUBLE)

    def match(self, subject, query, lang=None):
        """text:match: whether a literal of the subject matches the query."""
        if not isinstance(query, ox.Literal) or (lang is not None and not isinstance(lang, ox.Literal)):
            return None
        return ox.Literal(self._score_of(subject, query, lang) is not None)

    def custom_functions(self) -> dict[ox.NamedNode, Callable]:
        """The functions in the form pyoxigraph's Store.query takes as `custom_functions`."""
        return {ox.NamedNode(SCORE): self.score, ox.NamedNode(MATCH): self.match}


def functions_for_query(sparql: str, index: TextIndex | None) -> dict[ox.NamedNode, Callable] | None:
    """The custom functions a query needs: None when it calls no text function, a 400 when it does and the store
    has no text index (a remote or in-memory store), else a fresh set with its constant searches done."""
    if not calls_text_functions(sparql):
        return None
    if index is None:
        raise BadRequestError(
            f"text:score and text:match (<{TEXT}>) need the text index, which only an on-disk embedded store has; "
            "this store has none (a remote SPARQL store evaluates queries itself and does not know these functions)"
        )
    functions = TextFunctions(index)
    functions.prepare(sparql)
    return functions.custom_functions()
