"""What the knowledge graph needs from a quad store, and the answer a store gives.

The embedded pyoxigraph store (:mod:`newskg.stores.embedded`) and a remote SPARQL 1.1 store
(:mod:`newskg.stores.remote`: Virtuoso, Fuseki, GraphDB, QLever) both implement :class:`Store`; nothing above
the stores knows which engine answers.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Mapping, TypeVar

from newskg.core.errors import StoreError
from newskg.sparql.terms import Term

Bindings = Mapping[str, Term]
T = TypeVar("T")
# A remote store's answer larger than this is read and serialized in a thread, not on the server's event loop
LARGE_ANSWER_BYTES = 256 * 1024


@dataclass
class QueryResult:
    """The answer to a query: SELECT solutions, an ASK boolean, or CONSTRUCT/DESCRIBE triples."""

    kind: str  # "solutions" | "boolean" | "graph"
    engine_result: object
    most_rows: int | None = None  # a bound on the rows known before reading them (an answer read whole), or None

    @property
    def boolean(self) -> bool:
        return bool(self.engine_result)

    @property
    def variables(self) -> list[str]:
        return [v.value for v in self.engine_result.variables] if self.kind == "solutions" else []

    def serialize(self, engine_format, output: BinaryIO | None = None) -> bytes | None:
        """Serialize in the engine's result or RDF format; to `output` if given, else as bytes."""
        try:
            return self.engine_result.serialize(output, format=engine_format)
        except (OSError, RuntimeError, ValueError) as exc:
            raise StoreError(f"query evaluation failed: {exc}") from exc

    def rows(self) -> list[dict[str, object]]:  # for small internal queries
        """SELECT solutions as dicts of variable name to pyoxigraph term (unbound variables left out)."""
        names = self.variables
        out = []
        try:
            for solution in self.engine_result:  # evaluated lazily: a SERVICE call can fail here
                out.append({name: solution[name] for name in names if solution[name] is not None})
        except (OSError, RuntimeError, ValueError) as exc:
            raise StoreError(f"query evaluation failed: {exc}") from exc
        return out


class Store(ABC):
    """What the knowledge graph needs from a quad store."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union_default_graph: bool = False,
        base_iri: str | None = None,
        bindings: Bindings | None = None,
    ) -> QueryResult:
        """Evaluate a query; `bindings` (variable name to term) are substituted as SEP-0007 defines, and each bound
        variable must be in the SELECT projection."""

    async def aquery(self, sparql: str, use: Callable[[QueryResult], T], **kwargs) -> T:
        """`use(query(sparql, **kwargs))` for a caller on the event loop; by default in a thread. The result is used
        in the thread that read it (pyoxigraph's results may not move between threads)."""
        return await asyncio.to_thread(lambda: use(self.query(sparql, **kwargs)))

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...

    @abstractmethod
    def load(self, data: bytes | str, rdf_format, *, graph: str | None = None, base_iri: str | None = None) -> None: ...

    @abstractmethod
    def bulk_load_file(self, path: Path, rdf_format, *, graph: str | None = None, wrap: Callable | None = None) -> None: ...

    @abstractmethod
    def dump(self, output: BinaryIO, rdf_format, *, graph: str | None = None) -> None: ...

    @abstractmethod
    def triple_counts(self) -> dict[str, int]: ...

    @abstractmethod
    def has_graph(self, graph: str) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...
