"""Queries that cannot run away: their evaluation is bounded by the rows read from them.

Query workers exist so that a runaway query can be stopped: pyoxigraph has no cancellation. Some queries cannot run
away. A SELECT or ASK whose WHERE clause is empty or one triple pattern whose variables are all different, with no
FILTER, path, blank node, DISTINCT, ORDER BY, OFFSET, GROUP BY, VALUES or FROM, is evaluated by pyoxigraph lazily as
one scan of an index range (one per default graph) in which every step yields a row. Reading at most N rows of its
answer costs at most N steps (times the number of default graphs), however large the data.

`row_bounded` recognises such a query from its tokens (read as the engine's parser reads them, `federation.tokenize`)
with a grammar kept deliberately small: anything it does not recognise, including texts the engine would accept, is
not bounded, and goes to a query worker as every other query does. A repeated variable (`?x ?p ?x`) is refused: the
engine filters such a scan, so steps may yield nothing.
"""

from __future__ import annotations

import functools
import re

from newskg.sparql.federation import Token, tokenize

_TERM_KINDS = frozenset({"var", "iri", "pname"})
_LITERAL_WORDS = frozenset({"true", "false"})  # case-sensitive in SPARQL, like `a`


@functools.lru_cache(maxsize=1024)
def row_bounded(query: str) -> bool:
    """Whether `query` is a SELECT or ASK over at most one triple pattern with distinct variables and no solution
    modifier but LIMIT (see the module's docstring)."""
    if len(query) > 4096 or not _may_be_bounded(query):
        return False
    try:
        return _Reader(tokenize(query)).bounded()
    except (IndexError, ValueError):
        return False


_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")  # IRIREF: holds no brace, space, quote or other IRI


def _may_be_bounded(query: str) -> bool:
    """A quick look before tokenizing (about 40 us for a query of a few lines), false for most queries that are not
    bounded. With its IRIs taken out, a text with no string and no comment holds braces and spaces only as what they
    look like (names hold neither), and a bounded query has one pair of braces around at most four pieces (three
    terms and a dot)."""
    text = _IRI_REF.sub("I", query)
    if "#" in text or '"' in text or "'" in text:
        return True  # braces or spaces may be inside a string or a comment: the tokens tell
    opening, closing = text.find("{"), text.rfind("}")
    if opening < 0 or closing < opening or text.count("{", opening + 1) or text.count("}", 0, closing):
        return False
    return len(text[opening + 1 : closing].split(None, 4)) <= 4


def _word(token: Token) -> str | None:
    return token.text.upper() if token.kind == "word" else None


class _Reader:
    def __init__(self, tokens: list[Token]):
        self.tokens, self.at = tokens, 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def take_other(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "other" and token.text == text:
            self.at += 1
            return True
        return False

    def take_keyword(self, keyword: str) -> bool:
        token = self.peek()
        if token is not None and _word(token) == keyword:
            self.at += 1
            return True
        return False

    def bounded(self) -> bool:
        self.prologue()
        if self.take_keyword("SELECT"):
            if not self.take_other("*"):
                if not (self.peek() and self.peek().kind == "var"):
                    return False
                while self.peek() and self.peek().kind == "var":
                    self.take()
        elif not self.take_keyword("ASK"):
            return False
        self.take_keyword("WHERE")
        if not self.take_other("{") or not self.pattern() or not self.take_other("}"):
            return False
        if self.take_keyword("LIMIT") and self.take().kind != "number":
            return False
        return self.peek() is None

    def prologue(self) -> None:
        while True:
            if self.take_keyword("BASE"):
                if self.take().kind != "iri":
                    raise ValueError("BASE without an IRI")
            elif self.take_keyword("PREFIX"):
                name, iri = self.take(), self.take()
                if name.kind != "pname" or not name.text.endswith(":") or iri.kind != "iri":
                    raise ValueError("PREFIX without a name and an IRI")
            else:
                return

    def pattern(self) -> bool:
        """Nothing, or one triple pattern (with an optional final `.`) whose variables are all different."""
        token = self.peek()
        if token is None or (token.kind == "other" and token.text == "}"):
            return True
        subject, verb = self.take(), self.take()
        if subject.kind not in _TERM_KINDS or not (verb.kind in _TERM_KINDS or (verb.kind, verb.text) == ("word", "a")):
            return False
        if not self.object():
            return False
        self.take_other(".")
        names = [t.text[1:] for t in self.tokens[:self.at] if t.kind == "var" and t.start >= subject.start]
        return len(names) == len(set(names))

    def object(self) -> bool:
        token = self.take()
        if token.kind in _TERM_KINDS or token.kind == "number":
            return True
        if token.kind == "word":
            return token.text in _LITERAL_WORDS
        if token.kind not in ("string", "long_string"):
            return False
        following = self.peek()
        if following is not None and following.kind == "langtag":
            self.take()
        elif self.take_other("^"):
            if not self.take_other("^") or self.take().kind not in ("iri", "pname"):
                return False
        return True
