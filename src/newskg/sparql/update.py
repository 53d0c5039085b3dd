"""The protocol's update dataset: `using-graph-uri` / `using-named-graph-uri` (SPARQL 1.1 Protocol §2.2.3).

pyoxigraph's update API takes no dataset, so the parameters become USING / USING NAMED clauses placed before each
top-level WHERE of a DELETE/INSERT operation, which is what the protocol defines them to mean.
"""

from __future__ import annotations

from dataclasses import dataclass

from newskg.core.errors import ProtocolError
from newskg.sparql.federation import tokenize
from newskg.sparql.terms import iri_text


def apply_update_dataset(update: str, using_graphs: list[str], using_named_graphs: list[str]) -> str:
    """The update with the protocol's dataset written into it; 400 if it declares its own USING or WITH."""
    if not using_graphs and not using_named_graphs:
        return update
    clause = "".join(f" USING {iri_text(g, 'using-graph-uri')}" for g in using_graphs) + "".join(
        f" USING NAMED {iri_text(g, 'using-named-graph-uri')}" for g in using_named_graphs
    )
    depth, insert_at, previous = 0, [], None
    for token in tokenize(update):
        text = token.text
        if text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word":
            word = text.upper()
            if word in ("USING", "WITH"):
                raise ProtocolError("using-graph-uri/using-named-graph-uri conflict with the update's USING or WITH")
            if word == "WHERE" and previous == "}":
                insert_at.append(token.start)
        previous = text
    for position in reversed(insert_at):
        update = update[:position] + clause + " " + update[position:]
    return update


@dataclass
class UpdateShape:
    """What an update mentions: its prologue, the WHERE patterns of its operations, and its constant IRIs."""

    prologue: str
    where_groups: list[str]
    iris: set[str]
    graph_operations: bool


_GRAPH_OPERATIONS = {"LOAD", "CLEAR", "DROP", "COPY", "MOVE", "ADD", "CREATE"}


def update_shape(update: str) -> UpdateShape:
    """Read an update's prologue, top-level WHERE groups and constant IRIs (prefixed names expanded)."""
    tokens = tokenize(update)
    prologue: list[str] = []
    prefixes: dict[str, str] = {}
    iris: set[str] = set()
    groups: list[str] = []
    graph_operations = False
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.text.upper() if token.kind == "word" else ""
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
            prologue.append(f"PREFIX {tokens[i + 1].text} {tokens[i + 2].text}")
            i += 3
            continue
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            prologue.append(f"BASE {tokens[i + 1].text}")
            i += 2
            continue
        if token.kind == "iri":
            iris.add(token.text[1:-1])
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in prefixes:
                iris.add(prefixes[prefix] + local)
        if depth == 0 and word in _GRAPH_OPERATIONS:
            graph_operations = True
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and word == "WHERE":
            j = i + 1
            if j < len(tokens) and tokens[j].text == "{":
                level, k = 0, j
                while k < len(tokens):
                    level += tokens[k].text == "{"
                    level -= tokens[k].text == "}"
                    if level == 0:
                        break
                    k += 1
                groups.append(update[tokens[j].start : tokens[min(k, len(tokens) - 1)].end])
        i += 1
    return UpdateShape("\n".join(prologue), groups, iris, graph_operations)


MAX_TOUCHED_SUBJECTS = 50_000
_CLASS_AXIOMS = ("http://www.w3.org/2000/01/rdf-schema#subClassOf", "http://www.w3.org/2000/01/rdf-schema#subPropertyOf",
                 "http://www.w3.org/2002/07/owl#equivalentClass")


def touched_subjects(update: str, shape: UpdateShape, bound: set[str], complete: bool) -> set[str] | None:
    """Every IRI whose own triples `update` can change (a superset), or None when that cannot be known from its text:
    graph operations, USING/WITH, blank nodes, relative or escaped IRIs, class axioms (they change other subjects'
    types), or WHERE bindings that were cut short (`complete` False)."""
    if not complete or shape.graph_operations:
        return None
    for token in tokenize(update):
        if token.kind == "bnode" or token.text == "[" or "\\" in token.text:
            return None
        if token.kind == "word" and token.text.upper() in ("USING", "WITH"):
            return None
    if any(":" not in iri or iri in _CLASS_AXIOMS for iri in shape.iris):
        return None
    subjects = shape.iris | bound
    return subjects if len(subjects) <= MAX_TOUCHED_SUBJECTS else None
