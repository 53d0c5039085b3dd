"""The knowledge graph: one domain object holding the settings and the store, shared by the app, CLI and tests."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import threading
from pathlib import Path
from typing import BinaryIO, Callable

from newskg.writes import seeds

from newskg.core import vocab
from newskg.core.config import Settings
from newskg.core.errors import NewsKGError, NotFoundError, ResultTooLargeError, StoreError
from newskg.writes.gate import WriteGate, graph_subjects, remove_stale_scratch
from newskg.core.project import find_project_dir
from newskg.egress.policy import service_policy
from newskg.sandbox.query_pool import FederationPolicy, QueryPool
from newskg.search.index import TextIndex, index_folder, stderr_progress
from newskg.search.sparql_functions import functions_for_query
from newskg.search.sparql_service import rewrite_text_search, uses_text_search
from newskg.core.rdfio import parse_quads, quads_as_insert_data
from newskg.sparql.bounded import row_bounded
from newskg.sparql.cache import ResultCache, cacheable
from newskg.sparql.description import service_description, void_description
from newskg.sparql.endpoint import Answer, answer_query, answer_query_async
from newskg.sparql.federation import check_remote_targets
from newskg.sparql.service_proxy import ServiceRouter
from newskg.sparql import terms
from newskg.sandbox.pool import SandboxLimits, SandboxPool
from newskg.sparql.formats import format_for_path
from newskg.sparql.nesting import check_nesting
from newskg.sparql.protocol import QueryRequest
from newskg.sparql.wikidata_service import rewrite_for_settings
from newskg.stores.embedded import OxigraphStore
from newskg.stores.interface import Bindings, QueryResult, Store

log = logging.getLogger("newskg")

# A query that cannot run away is answered in the server process when it has at most this many rows (reading them
# costs well under a millisecond) and its dataset at most this many default graphs (one scan each); other queries are
# answered by a query worker.
BOUNDED_ROWS = 256
BOUNDED_GRAPHS = 8


def _graph_ref(graph: str) -> str:
    return terms.graph_target(graph, "the graph")


class WriteLock:
    """The lock every write path holds (re-entrant). A path that fails after it wrote to the store leaves the text
    index to compare everything at its next sync: only a finished write names the subjects it touched."""

    def __init__(self, kg: "KnowledgeGraph"):
        self._kg = kg
        self._lock = threading.RLock()

    def __enter__(self) -> "WriteLock":
        self._lock.acquire()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is not None and self._kg.text_index is not None:
                self._kg.text_index.missed_write()
        finally:
            if kind is not None:  # it may have written part of its work: nothing keyed on the generation outlives it
                if self._kg.pool is not None:
                    self._kg.pool.data_changed()
                self._kg.generation += 1
            self._lock.release()


class KnowledgeGraph:
    """The store plus what the service knows about its data."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.pool: QueryPool | None = None
        self.sandbox: SandboxPool | None = None
        self.write_lock = WriteLock(self)
        self.generation = 0
        self._memo: dict[str, tuple[int, object]] = {}
        self._health_counts: tuple[int, dict[str, int]] | None = None  # (generation, counts)
        self.cache = ResultCache(settings.result_cache_bytes) if settings.result_cache_bytes else None
        self.text_index: TextIndex | None = None  # on-disk embedded stores only; see open()
        self.gate = WriteGate(self)
        # SERVICE evaluated in this process (updates, queries without workers) goes through the egress policy
        self.services = ServiceRouter(service_policy(settings), enabled=isinstance(store, OxigraphStore))

    @classmethod
    def open(cls, settings: Settings, *, store: Store | None = None) -> "KnowledgeGraph":
        """Open (or create) the store named by the settings, and load the seed data once."""
        if store is None and settings.store_kind == "sparql":
            from newskg.stores.remote import RemoteSparqlStore

            store = RemoteSparqlStore.from_settings(settings)
        if store is None:
            store = OxigraphStore(Path(settings.store))
            remove_stale_scratch(store.path)  # we hold the store's lock: any scratch copy is a killed server's
        kg = cls(settings, store)
        try:
            if isinstance(store, OxigraphStore) and store.path is not None:
                # the store is the truth: this repairs an index a crash left behind the store
                kg.text_index = TextIndex(index_folder(Path(store.path)))
                if kg.text_index.stale:  # new, of an older schema, or marked by a write it did not follow
                    kg.text_index.sync(store, progress=stderr_progress)
                store.before_write = kg.text_index.mark_pending
            if settings.load_seed:
                kg.load_seed()
        except BaseException:
            kg.close()  # a broken seed file must not leave the store (or its index) locked by this process
            raise
        return kg

    def start_query_workers(self) -> None:
        """Run user queries, and untrusted work (parsing, validation, reasoning, updates), in worker processes
        from now on: time and memory limits that really stop them."""
        if self.sandbox is None:
            self.sandbox = SandboxPool(SandboxLimits(
                workers=self.settings.sandbox_workers,
                timeout_s=self.settings.sandbox_timeout_s,
                memory_bytes=self.settings.sandbox_memory_bytes,
                queue_wait_s=self.settings.query_queue_wait_s,
            ))
        if self.pool is None and isinstance(self.store, OxigraphStore) and self.store.path is not None:
            self.store.flush()
            self.pool = QueryPool(
                self.store.path,
                workers=self.settings.max_concurrent_queries,
                max_rows=self.settings.max_result_rows,
                queue_wait_s=self.settings.query_queue_wait_s,
                memory_bytes=self.settings.query_memory_bytes,
                federation=FederationPolicy.from_settings(self.settings),
                text_index=index_folder(self.store.path) if self.text_index is not None else None,
                replica_bytes=self.settings.query_replica_bytes,
                processes=self.settings.query_processes,
            )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        self.services.close()
        if self.text_index is not None:
            self.text_index.close()
            self.text_index = None
        self.store.close()

    # --- loading -------------------------------------------------------------------------------------
    def load_seed(self) -> list[Path]:
        """Bring the store up to the seed files (see seeds.py: a changed file replaces its old version); the loaded."""
        changes = seeds.sync(self.store, find_project_dir(self.settings))
        if changes.empty:
            return []
        self.committed()
        if changes.data_changed:
            self.gate.refresh_all()  # the shapes alone entail nothing: only data and ontology changes refresh
        return [seed.path for seed in changes.loaded]

    def load_file(self, path: Path, *, graph: str | None = None, wrap: Callable | None = None) -> None:
        """Bulk-load one RDF file (syntax by extension) without the SHACL gate: an admin action."""
        with self.write_lock:
            self.store.bulk_load_file(Path(path), format_for_path(path), graph=graph, wrap=wrap)
            self.committed()

    # --- reading -------------------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union_default_graph: bool = False,
        bindings: Bindings | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query against the store, with `bindings` (variable name to term) substituted."""
        sparql = rewrite_text_search(sparql, self.text_index)  # SERVICE text:search: rows from the index
        functions = functions_for_query(sparql, self.text_index)  # text:score and text:match, when it calls them
        return self.store.query(
            sparql,
            default_graphs=default_graphs or None,
            named_graphs=named_graphs or None,
            union_default_graph=union_default_graph,
            bindings=bindings,
            **({"custom_functions": functions} if functions else {}),
        )

    def answer(self, request: QueryRequest, accept: str | None) -> Answer:
        """Answer a user's query within its time limit, serialized in the negotiated format."""
        request, timeout_s, key = self._checked_query(request, accept)
        cached = self.cache.get(key) if key is not None else None
        if cached is not None:
            return cached
        if self.pool is not None:
            answer = self._answer_here(request, accept) or self.pool.run(request, accept, timeout_s)
        else:
            functions = functions_for_query(request.query, self.text_index)  # 400 when there is no index
            with self.services.routed(request.query, request.base_iri) as routed:
                answer = answer_query(self.store, dataclasses.replace(request, query=routed), accept,
                                      self.settings.max_result_rows, custom_functions=functions)
        if key is not None:
            self.cache.put(key, answer)
        return answer

    async def answer_async(self, request: QueryRequest, accept: str | None) -> Answer:
        """`answer` for the event loop: no thread waits while a query worker or a remote store evaluates the query
        (a query evaluated in this process, or one that reads the text index or calls a SERVICE on a remote store,
        goes to a thread)."""
        remote = not isinstance(self.store, OxigraphStore)  # evaluated by the remote server (no query workers)
        if (self.pool is None and not remote) or uses_text_search(request.query):
            return await asyncio.to_thread(self.answer, request, accept)
        asked = request
        request, timeout_s, key = self._checked_query(request, accept)
        if remote and (self.services.enabled and "SERVICE" in request.query.upper()
                       or functions_for_query(request.query, self.text_index) is not None):
            return await asyncio.to_thread(self.answer, asked, accept)  # through the SERVICE proxy, in a thread
        cached = self.cache.get(key) if key is not None else None
        if cached is not None:
            return cached
        if remote:
            answer = await answer_query_async(self.store, request, accept, self.settings.max_result_rows)
        else:
            answer = self._answer_here(request, accept) or await self.pool.arun(request, accept, timeout_s)
        if key is not None:
            self.cache.put(key, answer)
        return answer

    def _answer_here(self, request: QueryRequest, accept: str | None) -> Answer | None:
        """The answer of a query that cannot run away (`row_bounded`: at most one triple pattern, no filter, no
        ordering), evaluated in this process on the store up to BOUNDED_ROWS rows, with no round trip to a query
        worker; None when the query is not of that kind or has more rows (a worker answers it then)."""
        if (request.named_graphs or request.union_default_graph or len(request.default_graphs) > BOUNDED_GRAPHS
                or not row_bounded(request.query)):
            return None  # each default graph is one more scan: a form naming thousands goes to a worker
        rows = min(BOUNDED_ROWS, self.settings.max_result_rows)
        try:
            answer = answer_query(self.store, request, accept, rows)
        except ResultTooLargeError:
            if rows == self.settings.max_result_rows:
                raise
            return None
        answer.read_from = "server"
        return answer

    def _checked_query(self, request: QueryRequest, accept: str | None) -> tuple[QueryRequest, float, tuple | None]:
        """The query as it will be evaluated (checked for nesting and remote targets, text search and Wikidata
        rewritten, the inferred graph added when asked), its time limit, and its result-cache key (None: not cached)."""
        check_nesting(request.query, self.settings.max_sparql_nesting)
        query = rewrite_text_search(request.query, self.text_index)  # SERVICE text:search: rows from the index
        request = dataclasses.replace(request, query=rewrite_for_settings(query, self.settings))
        check_remote_targets(request.query, self.settings.service_allowlist())
        infer = self.settings.infer_default if request.infer is None else request.infer
        if infer and not request.default_graphs and not request.union_default_graph:
            request = dataclasses.replace(request, default_graphs=["", vocab.INFERRED_GRAPH])
        limit = self.settings.query_timeout_s
        timeout_s = min(request.timeout_s, limit) if request.timeout_s else limit
        key = None
        if self.cache is not None and cacheable(request.query):
            key = (self.generation, request.query, request.base_iri, tuple(request.default_graphs),
                   tuple(request.named_graphs), request.union_default_graph, accept, request.format)
        return request, timeout_s, key

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL update atomically, through the write gate; writes are serialised."""
        check_nesting(sparql, self.settings.max_sparql_nesting)
        check_remote_targets(sparql, self.settings.service_allowlist(), base_iri)
        with self.services.routed(sparql, base_iri) as routed:
            self.gate.update(routed, base_iri=base_iri)

    def committed(self, *, durable: bool = False, subjects: set[str] | None = None) -> None:
        """After a write: make it durable if asked (on disk before we answer), bring the text index in step (only the
        text of `subjects` when the write names every subject it touched), and tell the query workers."""
        if durable and isinstance(self.store, OxigraphStore):
            self.store.flush()
        if self.text_index is not None:
            try:
                self.text_index.sync(self.store, subjects=subjects, progress=stderr_progress)
            except (NewsKGError, OSError, ValueError):  # the write stands: the next start (or rebuild) repairs the index
                log.exception("the text index could not follow a write")
        if self.pool is not None:
            self.pool.data_changed()
        # last: a query that reads the new generation (the result cache's key, an ETag) is answered with the new data
        self.generation += 1

    # --- graph store protocol --------------------------------------------------------------------------
    def graph_exists(self, graph: str) -> bool:
        """True for the default graph ("") and every named graph in the store."""
        return self.store.has_graph(graph)

    def read_graph(self, graph: str | None, rdf_format) -> bytes:
        """One graph ("" for the default graph), or the whole dataset (None), serialized."""
        if graph is not None and not self.graph_exists(graph):
            raise NotFoundError(f"no graph <{graph}> in the store")
        counts = self.triple_counts()
        size = sum(counts.values()) if graph is None else counts.get(graph, 0)
        limit = self.settings.max_result_rows
        if size > limit:  # the answer is built in memory: the same cap as a query's result
            what = "the dataset" if graph is None else "the default graph" if graph == "" else f"<{graph}>"
            raise ResultTooLargeError(
                f"{what} holds {size} triples, more than NEWSKG_MAX_RESULT_ROWS ({limit}); read it with SPARQL "
                "(LIMIT/OFFSET) or `newskg export`"
            )
        out = io.BytesIO()
        self.store.dump(out, rdf_format, graph=graph)
        return out.getvalue()

    def write_graph(self, graph: str | None, data: bytes, rdf_format, *, replace: bool) -> bool:
        """Replace (PUT) or add to (POST) one graph, or the whole dataset (None), atomically.

        The body is parsed completely before anything is written, and the write is one SPARQL update (one
        transaction), so a rejected body writes nothing. Returns True when the graph did not exist before.
        """
        if graph:
            terms.iri(graph, "the graph")  # 400 before anything is parsed
        quads = parse_quads(data, rdf_format, into_graph=graph)
        created = graph is not None and not self.graph_exists(graph)
        operations = []
        if replace:
            operations.append("DROP SILENT ALL" if graph is None else f"DROP SILENT {_graph_ref(graph)}")
        if graph:
            operations.append(f"CREATE SILENT GRAPH {terms.iri_text(graph, 'the graph')}")
        if quads:
            operations.append("INSERT DATA { " + quads_as_insert_data(quads) + " }")
        self.gate.write_graph(graph, quads, operations, replace=replace)
        return created

    def delete_graph(self, graph: str) -> None:
        """Remove one graph ("" empties the default graph); 404 when it does not exist."""
        with self.write_lock:
            if not self.graph_exists(graph):
                raise NotFoundError(f"no graph <{graph}> in the store")
            before = graph_subjects(self.store, graph)  # their text goes with the graph
            self.store.update(f"DROP {_graph_ref(graph)}")
            self.committed(subjects=before)

    # --- descriptions ----------------------------------------------------------------------------------
    def service_description(self, endpoint: str) -> list:
        """Service Description triples for the endpoint at `endpoint`."""
        return service_description(
            self.store, endpoint, write_enabled=self.settings.write_enabled(),
            allowed_services=self.settings.service_allowlist(),
        )

    def void_description(self, endpoint: str) -> list:
        """VoID triples describing the dataset."""
        return void_description(self.store, self.settings.base_iri, endpoint)

    def export(self, output: BinaryIO, rdf_format, graphs: list[str] | None = None) -> None:
        """Write the whole dataset (every graph), or only `graphs` ("" the default graph), in a dataset syntax.

        A graph the store does not hold is a 404 before anything is written; the quads are streamed, not held.
        """
        if graphs is None:
            self.store.dump(output, rdf_format)
            return
        import pyoxigraph as ox

        for graph in graphs:
            if not self.graph_exists(graph):
                raise NotFoundError(f"no graph <{graph}> in the store")

        def quads():
            for graph in dict.fromkeys(graphs):
                if graph == "":
                    result = self.store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", default_graphs=[""])
                    for row in result.engine_result:
                        yield ox.Quad(row["s"], row["p"], row["o"], ox.DefaultGraph())
                else:
                    name = terms.iri(graph, "the graph")
                    result = self.store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": name})
                    for row in result.engine_result:
                        yield ox.Quad(row["s"], row["p"], row["o"], name)

        try:
            ox.serialize(quads(), output, format=rdf_format)
        except (RuntimeError, ValueError) as exc:  # the lazy evaluation's failure (a write error is an OSError)
            raise StoreError(f"export failed: {exc}") from exc

    def memo(self, key: str, compute: Callable[[], object]):
        """A value computed from the data (a page over a whole-store scan), kept until the next write."""
        cached = self._memo.get(key)
        if cached is None or cached[0] != self.generation:
            cached = self._memo[key] = (self.generation, compute())
        return cached[1]

    def triple_counts(self) -> dict[str, int]:
        """Triples per graph ("" the default graph), counted again only after a write through this service."""
        counted = self._health_counts
        if counted is None or counted[0] != self.generation:
            counted = self._health_counts = (self.generation, self.store.triple_counts())
        return counted[1]

    def health(self) -> dict:
        """Whether the store answers, and its triple counts; status "unavailable" with the problems when it does not.

        Cheap enough to poll: a folder check, one trivial query, and counts recomputed only after a write through
        this service.
        """
        problems = []
        folder = getattr(self.store, "path", None)
        if folder is not None and not Path(folder).is_dir():
            problems.append("the store folder is missing")
        try:
            self.store.query("ASK { ?s ?p ?o }")
        except NewsKGError as exc:
            log.error("health check: the store does not answer: %s", exc.message)
            problems.append("the store does not answer a trivial query")
        report = {"status": "unavailable" if problems else "ok", "store": {"engine": type(self.store).__name__}}
        if problems:
            return {**report, "problems": problems}
        counts = self.triple_counts()
        return {
            **report,
            "triples": sum(counts.values()),
            "default_graph_triples": counts.get("", 0),
            "named_graphs": len(counts) - 1,
            "graphs": {g or "default": n for g, n in sorted(counts.items())},
            "write_enabled": self.settings.write_enabled(),
            "result_cache": self.cache.stats() if self.cache is not None else None,
        }


