"""Where a query or update may reach out to: SERVICE and LOAD targets checked against an allow-list.

pyoxigraph follows any SERVICE or LOAD IRI and its Python API cannot restrict that, so every query and update is
scanned before evaluation. The scan is a small SPARQL tokenizer (comments, strings and IRIs are handled, prefixed
names are expanded with the query's own PREFIX declarations), not a regular expression over the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import ForbiddenTargetError
from ..redaction import shown_endpoint

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-.:%\\\u00B7-\uFFFF]*[\w\-:%\u00B7-\uFFFF])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Significant tokens of a SPARQL text (whitespace and comments dropped)."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


@dataclass(frozen=True)
class RemoteTarget:
    """A SERVICE or LOAD target: the keyword, the IRI (None for a variable) and its place in the text.

    `operation_start`/`operation_end` span the whole `LOAD [SILENT] <iri> [INTO GRAPH <g>]` (for SERVICE, up to the
    target), and `silent` tells whether SILENT was given.
    """

    keyword: str
    iri: str | None
    start: int
    end: int
    silent: bool = False
    operation_start: int = 0
    operation_end: int = 0


def remote_targets(text: str) -> list[RemoteTarget]:
    """Every SERVICE and LOAD target of a query or update, prefixed names expanded."""
    tokens = tokenize(text)
    prefixes: dict[str, str] = {}
    targets = []
    for i, tok in enumerate(tokens):
        word = tok.text.upper() if tok.kind == "word" else None
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
        if word not in ("SERVICE", "LOAD"):
            continue
        j = i + 1
        silent = j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "SILENT"
        if silent:
            j += 1
        if j >= len(tokens):
            continue
        target = tokens[j]
        if target.kind == "iri":
            iri = target.text[1:-1]
        elif target.kind == "pname":
            prefix, _, local = target.text.partition(":")
            iri = prefixes.get(prefix, "\0undeclared:" + prefix) + local
        else:
            iri = None
        end = target.end
        into = [t.text.upper() if t.kind == "word" else t.kind for t in tokens[j + 1 : j + 4]]
        if word == "LOAD" and into[:2] == ["INTO", "GRAPH"] and len(into) == 3 and into[2] in ("iri", "pname"):
            end = tokens[j + 3].end
        targets.append(RemoteTarget(word, iri, target.start, target.end, silent, tok.start, end))
    return targets


def normalise_endpoint(iri: str) -> str:
    """An endpoint IRI compared case-insensitively in scheme and host, without a trailing slash."""
    parts = urlsplit(iri)
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


def _refusal(target: RemoteTarget, allowed: list[str]) -> str | None:
    """Why the target is not allowed, or None when it is."""
    if target.iri is None:
        return f"{target.keyword} with a variable target is not allowed"
    scheme = urlsplit(target.iri).scheme.lower()
    if scheme not in ("http", "https"):
        return f"{target.keyword} <{target.iri}> is not allowed: only http(s) endpoints"
    if normalise_endpoint(target.iri) not in {normalise_endpoint(a) for a in allowed}:
        listed = ", ".join(sorted(shown_endpoint(a) for a in allowed)) or "(none)"
        return f"{target.keyword} <{target.iri}> is not on the allow-list (NEWSKG_SERVICE_ALLOW: {listed})"
    return None


def check_remote_targets(text: str, allowed: list[str]) -> None:
    """Refuse (400) any SERVICE or LOAD whose target is not exactly an allow-listed http(s) endpoint."""
    for target in remote_targets(text):
        reason = _refusal(target, allowed)
        if reason is not None:
            raise ForbiddenTargetError(reason)


def silence_refused_loads(update: str, allowed: list[str]) -> str:
    """The update with every refused `LOAD SILENT` made a no-op, as SILENT asks (SPARQL 1.1 Update §3.1.4).

    A LOAD SILENT whose target fails always succeeds; a target refused by the allow-list is such a failure. The
    operation becomes `INSERT DATA {}` so that the rest of the request keeps its meaning; a LOAD without SILENT
    is still refused by check_remote_targets.
    """
    refused = [
        t for t in remote_targets(update) if t.keyword == "LOAD" and t.silent and _refusal(t, allowed) is not None
    ]
    for target in reversed(refused):
        update = update[: target.operation_start] + "INSERT DATA {}" + update[target.operation_end :]
    return update
