"""The embedded engine: pyoxigraph's transactional store on disk. Only this module imports pyoxigraph's Store."""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from newskg.core.errors import QuerySyntaxError, RdfSyntaxError, StoreError, UpdateFailedError
from newskg.sparql.terms import iri
from newskg.stores.interface import QueryResult, Store

_QUERY_POSITION = re.compile(r"error at (\d+):(\d+)")
_UNKNOWN_FUNCTION = re.compile(r"^The custom function <([^>]*)> is not supported$")
MAX_UNKNOWN_FUNCTIONS = 16


def _unknown_function(*_arguments):
    """An extension function this engine does not have: per SPARQL 1.1 (17.6) its call is an error, so unbound."""
    return None


def _node(graph: str):
    return ox.DefaultGraph() if graph == "" else iri(graph, "the graph")


def _graph_arg(graph: str | None):
    return None if graph is None else _node(graph)


def _rdf_syntax_error(exc: SyntaxError) -> RdfSyntaxError:
    return RdfSyntaxError(str(exc), line=getattr(exc, "lineno", None), column=getattr(exc, "offset", None))


def _query_syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    text = str(exc)
    match = _QUERY_POSITION.search(text)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return QuerySyntaxError(text, line=line, column=column)


class OxigraphStore(Store):
    """The embedded, transactional pyoxigraph store, on disk (or in memory when no path is given)."""

    def __init__(self, path: Path | None = None):
        if path is not None:
            Path(path).mkdir(parents=True, exist_ok=True)
        try:
            self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        self.path = path
        self.before_write: Callable[[], None] | None = None  # told before anything is written (see kg: text index)

    @classmethod
    def read_only(cls, path: Path) -> "OxigraphStore":
        """A read-only view of a store another process writes (see querypool for how it is kept fresh)."""
        store = cls.__new__(cls)
        # The writer may compact while we read its manifest; the files it names then change under us.
        for attempt in range(20):
            try:
                store._store = ox.Store.read_only(str(path))
                break
            except (OSError, RuntimeError) as exc:
                if attempt == 19:
                    raise StoreError(f"cannot open the store at {path} read-only: {exc}") from exc
                time.sleep(0.01 * (attempt + 1))
        store.path = path
        store.before_write = None
        return store

    def in_memory_copy(self, max_quads: int) -> "OxigraphStore | None":
        """An in-memory store holding the same quads as this one now, or None when it holds more than `max_quads`.

        The quads go through an N-Quads file in the temporary folder: pyoxigraph writes and reads it without holding
        the GIL, so the threads of the process go on meanwhile. Blank nodes get new labels, as with every load (SPARQL
        scopes a blank node label to one answer)."""
        try:
            counted = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
            if int(next(iter(counted))["n"].value) > max_quads:
                return None
            copy = OxigraphStore(None)
            with tempfile.TemporaryDirectory(prefix="newskg-replica-") as folder:
                path = str(Path(folder) / "quads.nq")
                self._store.dump(output=path, format=ox.RdfFormat.N_QUADS)
                copy._store.load(path=path, format=ox.RdfFormat.N_QUADS)
        except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot copy the store into memory: {exc}") from exc
        return copy

    def query(self, sparql, *, default_graphs=None, named_graphs=None, union_default_graph=False, base_iri=None,
              bindings=None, custom_functions=None):
        kwargs = {"custom_functions": custom_functions} if custom_functions else {}
        if default_graphs is not None:
            kwargs["default_graph"] = [_node(g) for g in default_graphs]
        if named_graphs is not None:
            kwargs["named_graphs"] = [iri(g, "a named graph") for g in named_graphs]
        if bindings:
            kwargs["substitutions"] = {ox.Variable(name): term for name, term in bindings.items()}
        for _ in range(MAX_UNKNOWN_FUNCTIONS + 1):
            try:
                result = self._store.query(
                    sparql, base_iri=base_iri, use_default_graph_as_union=union_default_graph, **kwargs
                )
                break
            except SyntaxError as exc:
                raise _query_syntax_error(exc) from exc
            except (OSError, RuntimeError, ValueError) as exc:
                unknown = _UNKNOWN_FUNCTION.search(str(exc))
                if unknown is None:
                    raise StoreError(f"query evaluation failed: {exc}") from exc
                # a valid query calling a function the engine lacks: evaluate it with that call an error (unbound)
                functions = dict(kwargs.get("custom_functions") or {})
                functions[ox.NamedNode(unknown.group(1))] = _unknown_function
                kwargs["custom_functions"] = functions
        else:
            raise QuerySyntaxError(f"the query calls more than {MAX_UNKNOWN_FUNCTIONS} unknown functions")
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("boolean", result)
        if isinstance(result, ox.QueryTriples):
            return QueryResult("graph", result)
        return QueryResult("solutions", result)

    def _will_write(self) -> None:
        if self.before_write is not None:
            self.before_write()

    def update(self, sparql, *, base_iri=None):
        self._will_write()
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as exc:
            raise _query_syntax_error(exc) from exc
        except (OSError, RuntimeError, ValueError) as exc:
            if "does not exist" in str(exc) or "already exists" in str(exc):
                raise UpdateFailedError(f"update failed: {exc} (use SILENT to ignore this)") from exc
            raise StoreError(f"update failed: {exc}") from exc

    def load(self, data, rdf_format, *, graph=None, base_iri=None):
        self._will_write()
        try:
            self._store.load(data, rdf_format, to_graph=_graph_arg(graph), base_iri=base_iri)
        except SyntaxError as exc:
            raise _rdf_syntax_error(exc) from exc
        except (OSError, ValueError) as exc:
            raise RdfSyntaxError(str(exc)) from exc

    def bulk_load_file(self, path, rdf_format, *, graph=None, wrap=None):
        self._will_write()
        with open(path, "rb") as raw:
            stream = wrap(raw) if wrap else raw
            try:
                self._store.bulk_load(stream, rdf_format, to_graph=_graph_arg(graph))
            except SyntaxError as exc:
                raise _rdf_syntax_error(exc) from exc
            except (OSError, ValueError) as exc:
                raise RdfSyntaxError(f"{path}: {exc}") from exc

    def dump(self, output, rdf_format, *, graph=None):
        kwargs = {}
        if graph is not None:
            kwargs["from_graph"] = _node(graph)
        self._store.dump(output, rdf_format, **kwargs)

    def triple_counts(self) -> dict[str, int]:
        """Triples per graph: "" for the default graph, then every named graph by IRI."""
        counts = {"": 0}
        result = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        counts[""] = int(next(iter(result))["n"].value)
        for solution in self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        ):
            counts[solution["g"].value] = int(solution["n"].value)
        return counts

    def scratch_copy(self, folder: Path) -> "OxigraphStore":
        """A writable copy of the store as it is now (a RocksDB checkpoint: hard links, cheap at any size)."""
        try:
            self._store.backup(str(folder))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot make a scratch copy of the store: {exc}") from exc
        return OxigraphStore(folder)

    def has_graph(self, graph: str) -> bool:
        """True for the default graph ("") and for every named graph the store holds."""
        return graph == "" or self._store.contains_named_graph(iri(graph, "the graph"))

    def named_graphs(self) -> Iterable[str]:
        return (g.value for g in self._store.named_graphs())

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):  # a read-only view has nothing to flush
            self._store.flush()
        del self._store
