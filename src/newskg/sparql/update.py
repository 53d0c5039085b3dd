"""The protocol's update dataset: `using-graph-uri` / `using-named-graph-uri` (SPARQL 1.1 Protocol §2.2.3).

pyoxigraph's update API takes no dataset, so the parameters become USING / USING NAMED clauses placed before each
top-level WHERE of a DELETE/INSERT operation, which is what the protocol defines them to mean.
"""

from __future__ import annotations

from ..errors import ProtocolError
from .federation import tokenize


def apply_update_dataset(update: str, using_graphs: list[str], using_named_graphs: list[str]) -> str:
    """The update with the protocol's dataset written into it; 400 if it declares its own USING or WITH."""
    if not using_graphs and not using_named_graphs:
        return update
    clause = "".join(f" USING <{g}>" for g in using_graphs) + "".join(
        f" USING NAMED <{g}>" for g in using_named_graphs
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
