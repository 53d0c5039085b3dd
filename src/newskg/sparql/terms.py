"""Values into SPARQL: the only way a value reaches query or update text.

A value (from a request, the store, a file or Wikidata) first becomes an RDF term through pyoxigraph's term
constructors, which check it: an IRI holding ``>``, a space, a brace or a quote is refused, and a literal is always
written quoted and escaped. The term then reaches the engine by substitution (SEP-0007,
https://github.com/w3c/sparql-dev/blob/main/SEP/SEP-0007/sep-0007.md: ``Store.query(..., bindings={"x": term})``),
or, where SPARQL has no substitution (INSERT DATA, DELETE DATA, DROP GRAPH, VALUES lists), as the term's canonical
N-Triples form. Constant IRIs of our own vocabulary may still be written into templates.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Union

import pyoxigraph as ox

from newskg.core.errors import ProtocolError
from newskg.sparql.federation import tokenize

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal]

_SHOWN_CHARS = 200
# Words that end a SELECT projection, or a GROUP BY / ORDER BY list, at the top level of a query.
_CLAUSE_ENDS = {"WHERE", "FROM", "HAVING", "LIMIT", "OFFSET", "VALUES", "GROUP", "ORDER"}


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + f"... ({len(text)} characters)"


def iri(value: str, what: str = "the IRI") -> ox.NamedNode:
    """`value` as an IRI term; a 400 naming `what` when it is not an absolute IRI."""
    try:
        return ox.NamedNode(value)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"{what} must be an absolute IRI, got {_shown(value)}: {exc}") from None


def is_iri(value: str) -> bool:
    """True when `value` is an absolute IRI."""
    try:
        ox.NamedNode(value)
    except (TypeError, ValueError):
        return False
    return True


def literal(value: str, *, language: str | None = None, datatype: str | None = None) -> ox.Literal:
    """`value` as a literal term (a language-tagged string, a typed literal, or an xsd:string)."""
    if language:
        return ox.Literal(value, language=language)
    if datatype:
        return ox.Literal(value, datatype=iri(datatype, "the datatype"))
    return ox.Literal(value)


def text(term: Term) -> str:
    """A term as SPARQL text: its canonical N-Triples form (an IRI in <...>, a literal quoted and escaped)."""
    if not isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        raise TypeError(f"not an RDF term: {term!r}")
    return str(term)


def iri_text(value: str, what: str = "the IRI") -> str:
    """`value` checked as an IRI and written as SPARQL text (<...>)."""
    return text(iri(value, what))


def iri_list(values: Iterable[str], what: str = "the IRI") -> str:
    """IRIs as SPARQL text separated by spaces (the body of a VALUES block), each checked."""
    return " ".join(iri_text(value, what) for value in values)


def graph_target(graph: str, what: str = "the graph") -> str:
    """The target of a graph operation (DROP, CLEAR): DEFAULT for "", else GRAPH <iri>."""
    return "DEFAULT" if graph == "" else f"GRAPH {iri_text(graph, what)}"


def substitute(sparql: str, bindings: Mapping[str, Term] | None) -> str:
    """The query with each bound variable replaced by its term, for engines without SEP-0007 substitution.

    Variables are found by the SPARQL tokenizer (never inside strings, IRIs or comments). In a SELECT projection
    ``?x`` becomes ``(term AS ?x)``, in GROUP BY and ORDER BY ``(term)``, and elsewhere the term itself.
    """
    if not bindings:
        return sparql
    replacements = {name: text(term) for name, term in bindings.items()}
    tokens = tokenize(sparql)
    edits: list[tuple[int, int, str]] = []
    clause, depth = None, 0  # "select" (projection) or "order" (GROUP BY / ORDER BY), and parentheses within it
    for i, token in enumerate(tokens):
        word = token.text.upper() if token.kind == "word" else None
        following = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
        if word == "SELECT":
            clause, depth = "select", 0
            continue
        if word in ("GROUP", "ORDER") and following == "BY":
            clause, depth = "order", 0
            continue
        if clause and depth == 0 and (word in _CLAUSE_ENDS or token.text in ("{", "}")):
            clause = None
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.kind != "var" or token.text[1:] not in replacements:
            continue
        replacement = replacements[token.text[1:]]
        if clause == "select" and depth == 0:
            replacement = f"({replacement} AS {token.text})"
        elif clause == "order" and depth == 0:
            replacement = f"({replacement})"
        edits.append((token.start, token.end, replacement))
    for start, end, replacement in reversed(edits):
        sparql = sparql[:start] + replacement + sparql[end:]
    return sparql
