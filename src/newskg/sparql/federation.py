"""Where a query or update may reach out to: SERVICE and LOAD targets checked against an allow-list.

pyoxigraph follows any SERVICE or LOAD IRI and its Python API cannot restrict that, so every query and update is
scanned before evaluation, and the scan must read the text exactly as the engine's parser does (spargebra, the
SPARQL 1.1 grammar https://www.w3.org/TR/sparql11-query/#grammar). The tokenizer follows that grammar's terminals
as spargebra implements them: whitespace is only space, tab, CR and LF; a comment ends at CR or LF; strings,
IRIs (with their `\\uXXXX` escapes, which spargebra also reads as `\\u+XXX`), prefixed names (with `\\`-escapes and
`%XX`), variables and blank nodes have the grammar's exact character sets; keywords match in any ASCII case.
BASE, PREFIX (redeclared or not) and relative IRIs are resolved as the engine resolves them.

The engine's parser has no lexer: a keyword is matched wherever the grammar allows one, even glued to what comes
before or after it (`trueSERVICE<x>{}`, `SERVICESILENT<x>`, `SERVICEex:a`), and `<` is an IRI or the less-than
operator depending on the place. Where a context-free reading could differ from the engine's, the text is refused
(400) rather than guessed: a word or prefix containing SERVICE, LOAD or SILENT that is not the keyword itself; an
IRI that could be a comparison and whose text would read differently as code; an undeclared prefix; a prefixed
name or escape that is not valid (the engine would backtrack and read the text another way).

The SPARQL specification also applies `\\uXXXX` escapes to the whole text before parsing (spargebra's
"standard-unicode-escaping" feature, off in pyoxigraph 0.5); a text whose targets read differently that way is
refused too, so the check holds for either engine.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

import pyoxigraph as ox

from newskg.core.errors import ForbiddenTargetError, QuerySyntaxError
from newskg.core.redaction import shown_endpoint

# Terminals of the SPARQL 1.1 grammar (§19.8), with spargebra's sets and its PEG (possessive) repetition.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_IRI_ESCAPE = rf"\\u(?:{_HEX}{{4}}|\+{_HEX}{{3}})|\\U(?:{_HEX}{{8}}|\+{_HEX}{{7}})"  # u32::from_str_radix takes "+"
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}][{_PN_CHARS}]*+(?:\.++[{_PN_CHARS}]++)*+"
_PN_LOCAL = (  # spargebra allows one dotted tail: `ex:a.b.c` is `ex:a.b` then `.c`
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:[{_PN_CHARS}:]|{_PLX})*+(?:\.++(?:[{_PN_CHARS}:]|{_PLX})++)?+"
)
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+"
_BLANK_NODE_LABEL = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS}]*+(?:\.++[{_PN_CHARS}]++)*+"
_LONG = "(?:(?>(?:{q}{q}|{q})?)(?:[^{q}\\\\]|{e}|{u}))*+"
_TERMINALS = [
    ("ws", r"[ \t\r\n]++"),
    ("comment", r"#[^\r\n]*+"),
    ("long_string", "'''" + _LONG.format(q="'", e=_ECHAR, u=_UCHAR) + "'''"),
    ("long_string", '"""' + _LONG.format(q='"', e=_ECHAR, u=_UCHAR) + '"""'),
    ("string", rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+'"),
    ("string", rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+"'),
    ("iri", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_IRI_ESCAPE})*+>"),
    ("var", rf"[?$]{_VARNAME}"),
    ("bnode", rf"_:{_BLANK_NODE_LABEL}"),
    ("pname", rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("langtag", r"@[A-Za-z]++(?:-[A-Za-z0-9]++)*+(?:--[A-Za-z]++)?"),
    ("number", r"[0-9]++\.[0-9]*+[eE][+-]?[0-9]++|\.?[0-9]++[eE][+-]?[0-9]++|[0-9]*+\.[0-9]++|[0-9]++"),
    ("word", rf"[{_PN_CHARS_U}][{_PN_CHARS}]*+"),
    ("other", r"."),
]
_TOKEN = re.compile("|".join(f"(?P<{kind}{i}>{pattern})" for i, (kind, pattern) in enumerate(_TERMINALS)), re.DOTALL)
_KIND = {f"{kind}{i}": kind for i, (kind, _) in enumerate(_TERMINALS)}

_REMOTE_KEYWORDS = ("SERVICE", "LOAD")
_GLUABLE = re.compile("SERVICE|LOAD|SILENT")  # keywords whose gluing to a neighbour could hide or change a target
_REMOTE_WORD = re.compile("SERVICE|LOAD", re.IGNORECASE)  # a cheap test before reading the text
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_OPERAND_KINDS = {"var", "string", "long_string", "langtag", "number", "iri", "pname", "bnode", "word"}
_CODE_IN_IRI = re.compile(r"['#\\()]|service|load", re.IGNORECASE)  # what would read differently as code
_STRING_ESCAPE = re.compile(rf"\\(?:u({_HEX}{{4}})|U({_HEX}{{8}})|.)", re.DOTALL)
_IRI_ESCAPES = re.compile(r"\\u([+0-9A-Fa-f]{4})|\\U([+0-9A-Fa-f]{8})")
_NOT_IN_IRI = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
_UNKNOWN_BASE = "http://base.invalid/"  # resolves relative IRIs when the caller gives no base (never on a list)


class Token(NamedTuple):  # a tuple: made three times faster than a frozen dataclass, and texts have many tokens
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Significant tokens of a SPARQL text (whitespace and comments dropped)."""
    kinds, skipped = _KIND, ("ws", "comment")
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = kinds[match.lastgroup]
        if kind not in skipped:
            tokens.append(Token(kind, match.group(), *match.span()))
    return tokens


@dataclass(frozen=True)
class RemoteTarget:
    """A SERVICE or LOAD target: the keyword, the IRI (None for a variable) and its place in the text.

    `operation_start`/`operation_end` span the whole `LOAD [SILENT] <iri> [INTO GRAPH <g>]` (for SERVICE, up to the
    target), `silent` tells whether SILENT was given, and `graph` is the IRI after LOAD's INTO GRAPH.
    """

    keyword: str
    iri: str | None
    start: int
    end: int
    silent: bool = False
    operation_start: int = 0
    operation_end: int = 0
    graph: str | None = None


def _ascii_upper(text: str) -> str:
    return text.translate(_ASCII_UPPER)


def _position(text: str, offset: int) -> dict:
    line = text.count("\n", 0, offset) + 1
    return {"line": line, "column": offset - (text.rfind("\n", 0, offset) + 1) + 1}


def _code_point(digits: str) -> str | None:
    """The character of a `\\u`/`\\U` escape's digits as Rust's u32::from_str_radix and char::from_u32 read them."""
    if not re.fullmatch(r"\+?[0-9A-Fa-f]+", digits):
        return None
    value = int(digits, 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return None
    return chr(value)


def _iri_value(token_text: str) -> str | None:
    """The IRI an IRIREF token spells (escapes applied), or None when the engine would not accept it as one."""
    content = token_text[1:-1]
    invalid = False

    def unescape(match: re.Match) -> str:
        nonlocal invalid
        char = _code_point(match.group(1) or match.group(2))
        invalid = invalid or char is None
        return char or ""

    value = _IRI_ESCAPES.sub(unescape, content)
    return None if invalid else value


def _valid_string(token: Token) -> bool:
    """Whether every escape of a string token names a real character (else the engine would re-read the text)."""
    for match in _STRING_ESCAPE.finditer(token.text):
        digits = match.group(1) or match.group(2)
        if digits is not None and _code_point(digits) is None:
            return False
    return True


def resolve_iri(reference: str, base: str | None) -> str | None:
    """The absolute IRI `reference` names against `base` (RFC 3987, as the engine resolves it), or None if invalid."""
    if _NOT_IN_IRI.search(reference):
        return None
    try:
        if base is None:
            return ox.NamedNode(reference).value
        triple = next(iter(ox.parse(f"<{reference}> <urn:x:p> <urn:x:o> .", ox.RdfFormat.TURTLE, base_iri=base)))
        return triple.subject.value
    except (SyntaxError, ValueError, StopIteration):
        return None


def _valid_iri(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


class _Reader:
    """One reading of a text: its targets, refusing whatever the engine could read differently."""

    def __init__(self, text: str, base_iri: str | None):
        self.text = text
        self.tokens = tokenize(text)
        self.base = base_iri or _UNKNOWN_BASE
        self.prefixes: dict[str, str] = {}
        self.brackets: list[str] = []  # "(", "{", "[", and "values{" / "row(" inside a VALUES data block
        self.values_block_next = False

    def refuse(self, token: Token, message: str) -> ForbiddenTargetError:
        return ForbiddenTargetError(
            f"{message}; the SERVICE and LOAD targets of this text cannot be read unambiguously, so it is refused",
            **_position(self.text, token.start),
        )

    def targets(self) -> list[RemoteTarget]:
        targets = []
        declaration = set()  # indexes of the tokens that declare a prefix (not expanded)
        for i, token in enumerate(self.tokens):
            kind, word = token.kind, _ascii_upper(token.text) if token.kind == "word" else ""
            self._check_glued(token)
            if word == "BASE" and self._kind(i + 1) == "iri":
                self.base = self._resolved(self.tokens[i + 1])
            elif word == "PREFIX" and self._kind(i + 1) == "pname" and self._kind(i + 2) == "iri":
                name = self.tokens[i + 1].text
                if not name.endswith(":"):
                    raise QuerySyntaxError(f"PREFIX {name} is not a prefix name", **_position(self.text, token.start))
                self.prefixes[name[:-1]] = self._resolved(self.tokens[i + 2])
                declaration.add(i + 1)
            elif kind == "pname" and i not in declaration:
                self._expanded(token)
            elif kind in ("string", "long_string") and not _valid_string(token):
                raise QuerySyntaxError("a string escapes a character that does not exist",
                                       **_position(self.text, token.start))
            elif kind == "iri":
                self._check_comparison(i)
            self._track_brackets(token, word)
            if word in _REMOTE_KEYWORDS:
                targets.append(self._target(i, word))
        return targets

    def _kind(self, i: int) -> str | None:
        return self.tokens[i].kind if i < len(self.tokens) else None

    def _word(self, i: int) -> str | None:
        return _ascii_upper(self.tokens[i].text) if self._kind(i) == "word" else None

    def _check_glued(self, token: Token) -> None:
        """Refuse a word or prefix that holds SERVICE, LOAD or SILENT without being it: the engine may split it."""
        if token.kind == "word":
            text = _ascii_upper(token.text)
            if _GLUABLE.search(text) and text not in ("SERVICE", "LOAD", "SILENT"):
                raise self.refuse(token, f"`{token.text}` may be read as a SERVICE, LOAD or SILENT keyword")
        elif token.kind == "pname":
            prefix = _ascii_upper(token.text.partition(":")[0])
            if _GLUABLE.search(prefix):
                raise self.refuse(token, f"`{token.text}` may be read as a SERVICE, LOAD or SILENT keyword")

    def _resolved(self, token: Token) -> str:
        value = _iri_value(token.text)
        resolved = None if value is None else resolve_iri(value, self.base)
        if resolved is None:
            raise QuerySyntaxError(f"{token.text} is not a valid IRI", **_position(self.text, token.start))
        return resolved

    def _expanded(self, token: Token) -> str:
        """A prefixed name's IRI, as the engine expands it (backslashes dropped, nothing resolved)."""
        prefix, _, local = token.text.partition(":")
        if prefix not in self.prefixes:
            raise QuerySyntaxError(f"the prefix {prefix}: of {token.text} is not declared",
                                   **_position(self.text, token.start))
        iri = self.prefixes[prefix] + local.replace("\\", "")
        if not _valid_iri(iri):
            raise QuerySyntaxError(f"{token.text} does not expand to a valid IRI", **_position(self.text, token.start))
        return iri

    def _check_comparison(self, i: int) -> None:
        """Refuse an IRI that the engine could read as `<` followed by code that reads differently from the IRI."""
        if not self.brackets or self.brackets[-1] != "(" or i == 0:
            return
        previous = self.tokens[i - 1]
        if previous.kind not in _OPERAND_KINDS and previous.text not in (")", "]"):
            return
        token = self.tokens[i]
        if _CODE_IN_IRI.search(token.text[1:-1]):
            raise self.refuse(token, f"{token.text} may be the comparison `<` (write spaces around `<` and `>`)")

    def _track_brackets(self, token: Token, word: str) -> None:
        if word == "VALUES":
            self.values_block_next = True
        elif token.text == "{":
            self.brackets.append("values{" if self.values_block_next else "{")
            self.values_block_next = False
        elif token.text in ("(", "["):
            inside_values = bool(self.brackets) and self.brackets[-1] == "values{"
            self.brackets.append("row(" if token.text == "(" and inside_values else token.text)
        elif token.text in (")", "}", "]") and self.brackets:
            self.brackets.pop()

    def _target(self, i: int, keyword: str) -> RemoteTarget:
        tokens, keyword_token = self.tokens, self.tokens[i]
        j = i + 1
        silent = self._word(j) == "SILENT"
        if silent:
            j += 1
        if j >= len(tokens):
            return RemoteTarget(keyword, None, keyword_token.end, keyword_token.end, silent, keyword_token.start,
                                keyword_token.end)
        target = tokens[j]
        iri = None
        if target.kind == "iri":
            iri = self._resolved(target)
        elif target.kind == "pname":
            iri = self._expanded(target)
        end, graph = target.end, None
        if keyword == "LOAD" and self._word(j + 1) == "INTO" and self._word(j + 2) == "GRAPH":
            into = tokens[j + 3] if j + 3 < len(tokens) else None
            if into is not None and into.kind in ("iri", "pname"):
                graph = self._resolved(into) if into.kind == "iri" else self._expanded(into)
                end = into.end
        return RemoteTarget(keyword, iri, target.start, target.end, silent, keyword_token.start, end, graph)


def unescape_codepoints(text: str) -> str:
    """The text with every `\\uXXXX` / `\\UXXXXXXXX` applied, as SPARQL §19.2 says (spargebra's own iterator)."""
    if "\\u" not in text and "\\U" not in text:
        return text
    chars, buffer, out = iter(text), [], []
    while True:
        char = buffer.pop(0) if buffer else next(chars, None)
        if char is None:
            return "".join(out)
        if char != "\\":
            out.append(char)
            continue
        after = next(chars, None)
        if after not in ("u", "U"):
            out.append("\\")
            if after is not None:
                buffer.append(after)  # emitted next; a backslash there may still start an escape
            continue
        buffer.append(after)
        read = list(itertools.islice(chars, 4 if after == "u" else 8))
        buffer.extend(read)
        decoded = _code_point("".join(buffer[1:])) if len(read) == (4 if after == "u" else 8) else None
        if decoded is None:
            out.append("\\")  # the escape's characters follow from the buffer, not read again as an escape
        else:
            buffer.clear()
            out.append(decoded)


def remote_targets(text: str, base_iri: str | None = None) -> list[RemoteTarget]:
    """Every SERVICE and LOAD target of a query or update (IRIs resolved, prefixed names expanded); 400 when the
    text could be read with other targets."""
    if "\\" not in text and _REMOTE_WORD.search(text) is None:
        return []  # no keyword can be spelt without its letters, and with no backslash there is no escape to decode
    targets = _Reader(text, base_iri).targets()
    spec_text = unescape_codepoints(text)
    if spec_text != text:
        try:
            spec_targets = _Reader(spec_text, base_iri).targets()
        except (ForbiddenTargetError, QuerySyntaxError) as exc:
            raise ForbiddenTargetError(
                f"with its \\u escapes applied, as the SPARQL specification reads them, the text is refused: "
                f"{exc.message}"
            ) from exc
        if [_essence(t) for t in spec_targets] != [_essence(t) for t in targets]:
            raise ForbiddenTargetError(
                "the text has other SERVICE or LOAD targets once its \\u escapes are applied, as the SPARQL "
                "specification reads them; it cannot be read unambiguously, so it is refused"
            )
    return targets


def _essence(target: RemoteTarget) -> tuple:
    return target.keyword, target.iri, target.silent, target.graph


def normalise_endpoint(iri: str) -> str:
    """An endpoint IRI compared case-insensitively in scheme and host, without a trailing slash."""
    try:
        parts = urlsplit(iri)
    except ValueError:
        return iri
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


def _refusal(target: RemoteTarget, allowed: list[str]) -> str | None:
    """Why the target is not allowed, or None when it is."""
    if target.iri is None:
        return f"{target.keyword} with a variable target is not allowed"
    try:
        scheme = urlsplit(target.iri).scheme.lower()
    except ValueError:  # an IRI the engine takes but Python's URL parser does not (an IPvFuture host)
        scheme = ""
    if scheme not in ("http", "https"):
        return f"{target.keyword} <{target.iri}> is not allowed: only http(s) endpoints"
    if normalise_endpoint(target.iri) not in {normalise_endpoint(a) for a in allowed}:
        listed = ", ".join(sorted(shown_endpoint(a) for a in allowed)) or "(none)"
        return f"{target.keyword} <{target.iri}> is not on the allow-list (NEWSKG_SERVICE_ALLOW: {listed})"
    return None


def target_refusal(target: RemoteTarget, allowed: list[str]) -> str | None:
    """Why the allow-list refuses a SERVICE or LOAD target, or None when it allows it."""
    return _refusal(target, allowed)


def check_remote_targets(text: str, allowed: list[str], base_iri: str | None = None) -> None:
    """Refuse (400) any SERVICE or LOAD whose target is not exactly an allow-listed http(s) endpoint."""
    for target in remote_targets(text, base_iri):
        reason = _refusal(target, allowed)
        if reason is not None:
            raise ForbiddenTargetError(reason)
