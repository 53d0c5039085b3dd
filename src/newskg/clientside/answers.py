"""`newskg query` answers for a person or for a program: which syntax to ask for, and the table a terminal shows.

The output is chosen by `--format`, or by where it goes: a terminal gets an aligned table (IRIs written with the
project's prefixes, long cells cut), a pipe or a file gets SPARQL TSV. ASK prints `true` or `false` (the SPARQL JSON
or XML document when that is asked for); CONSTRUCT and DESCRIBE print Turtle, or the RDF syntax asked for.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from newskg.core.errors import NewsKGError
from newskg.sparql.federation import tokenize
from newskg.sparql.formats import GRAPH_FORMATS

# --format for SELECT and ASK -> the name the endpoint knows (srj/srx: never taken for a graph syntax)
RESULT_NAMES = {"table": "srj", "json": "srj", "srj": "srj", "xml": "srx", "srx": "srx", "csv": "csv", "tsv": "tsv"}
SPARQL_JSON = "application/sparql-results+json"
MAX_CELL = 60  # characters of one table cell before it is cut
MIN_CELL = 8  # a column shrunk to fit the terminal keeps at least this many
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_SPACES = re.compile(r"\s+")


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword (the prologue holds none); None if there is none."""
    for token in tokenize(text):
        if token.kind == "word" and token.text.upper() in _FORMS:
            return token.text.upper()
    return None


def graph_name(name: str) -> str | None:
    """The canonical name of an RDF syntax `--format` names (json: JSON-LD, xml: RDF/XML), or None."""
    for fmt in GRAPH_FORMATS:
        if name in fmt.names:
            return fmt.names[0]
    return None


def format_choices() -> str:
    names = list(RESULT_NAMES) + [n for f in GRAPH_FORMATS for n in f.names if n not in RESULT_NAMES]
    return ", ".join(names)


@dataclass(frozen=True)
class Output:
    """What one query asks the endpoint for (`wire`, its format= value), and how the answer is shown."""

    wire: str
    result_name: str  # table, json, xml, csv or tsv: how solutions and booleans are shown

    def show(self, body: bytes, content_type: str, prefixes: dict[str, str], width: int | None) -> bytes:
        """The bytes to print for an answer in `content_type`."""
        if content_type.split(";")[0].strip().lower() == SPARQL_JSON and self.result_name not in ("json", "srj"):
            document = json.loads(body)
            if "boolean" in document:
                return b"true\n" if document["boolean"] else b"false\n"
            return render_table(document, prefixes, width).encode()
        return body if body.endswith(b"\n") or not body else body + b"\n"


def plan_output(format_name: str | None, to_terminal: bool, form: str | None) -> Output:
    """The output of a query of `form` for `--format` (None: a table on a terminal, TSV elsewhere)."""
    default = "table" if to_terminal else "tsv"
    name = (format_name or default).strip().lower()
    graph = graph_name(name)
    if name not in RESULT_NAMES and graph is None:
        raise NewsKGError(f"unknown --format {format_name[:40]!r}; choose one of: {format_choices()}")
    result = name if name in RESULT_NAMES else default
    graph = graph or "turtle"
    if form == "ASK":
        return Output("srj" if result in ("table", "csv", "tsv") else RESULT_NAMES[result], result)
    if form == "SELECT":
        return Output(RESULT_NAMES[result], result)
    if form in ("CONSTRUCT", "DESCRIBE"):
        return Output(graph, result)
    return Output(f"{RESULT_NAMES[result]},{graph}", result)  # the engine tells (or reports the syntax error)


# --- the table ---------------------------------------------------------------------------------------------------
def compact(iri: str, prefixes: dict[str, str]) -> str:
    """prefix:local for the longest namespace that fits with a plain local name, else the IRI."""
    best = None
    for name, namespace in prefixes.items():
        if iri.startswith(namespace) and (best is None or len(namespace) > len(best[1])):
            if _LOCAL_NAME.fullmatch(iri[len(namespace):]):
                best = (name, namespace)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


def cell_text(term: dict | None, prefixes: dict[str, str]) -> str:
    """One SPARQL JSON term on one line: IRIs compacted, literals as their text (@lang added), blank nodes _:x."""
    if term is None:
        return ""
    kind, value = term.get("type"), term.get("value")
    if kind == "uri":
        return compact(value, prefixes)
    if kind == "bnode":
        return "_:" + value
    if kind == "triple":
        parts = (cell_text(value.get(k), prefixes) for k in ("subject", "predicate", "object"))
        return "<< " + " ".join(parts) + " >>"
    text = _SPACES.sub(" ", str(value)).strip()
    return f"{text}@{term['xml:lang']}" if term.get("xml:lang") else text


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cc", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def cut(text: str, width: int) -> str:
    """`text` in at most `width` columns: cut with an ellipsis when longer."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def column_widths(natural: list[int], width: int | None, gap: int = 2) -> list[int]:
    """Each column's width: its widest cell up to MAX_CELL; the widest shrunk (not below MIN_CELL) to fit `width`."""
    widths = [min(w, MAX_CELL) for w in natural]
    if width is None:
        return widths
    excess = sum(widths) + gap * (len(widths) - 1) - width
    while excess > 0:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_CELL:
            break
        widths[widest] -= 1
        excess -= 1
    return widths


def render_table(document: dict, prefixes: dict[str, str], width: int | None) -> str:
    """SPARQL JSON solutions as an aligned table (header, rule, rows, a row count), `width` columns at most."""
    names = list(document.get("head", {}).get("vars", []))
    bindings = document.get("results", {}).get("bindings", [])
    rows = [[cell_text(b.get(n), prefixes) for n in names] for b in bindings]
    count = f"({len(rows)} row{'' if len(rows) == 1 else 's'})\n"
    if not names:
        return count
    natural = [max([display_width(n)] + [display_width(r[i]) for r in rows]) for i, n in enumerate(names)]
    widths = column_widths(natural, width)

    def line(cells: list[str]) -> str:
        shown = [_pad(cut(c, w), w) for c, w in zip(cells, widths)]
        return "  ".join(shown).rstrip() + "\n"

    out = [line(names), "  ".join("─" * w for w in widths) + "\n"]
    out += [line(r) for r in rows]
    out.append(count)
    return "".join(out)
