"""Query workers: user queries run in separate processes so a runaway query can be stopped.

pyoxigraph has no query timeout or cancellation (Oxigraph issue #1926). Each worker process opens the store
read-only and answers one query at a time; the server waits for the answer up to the time limit and, past it,
kills the worker (freeing its CPU at once), answers 503 and starts a replacement. Writes happen in the server
process; after each one the pool's generation is bumped and workers reopen their read-only view (of the store, and
of the text index text:score reads) before the next query, so every query sees every write acknowledged before it
started.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from newskg.egress.policy import EgressPolicy, service_policy
from newskg.core.errors import MemoryLimitError, NewsKGError, OverloadedError, QueryTimeoutError, StoreError
from newskg.sparql.endpoint import Answer, answer_query
from newskg.sandbox.processes import WorkerProcesses
from newskg.sparql.protocol import QueryRequest

log = logging.getLogger("newskg.sandbox.query_pool")
_CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class FederationPolicy:
    """What a worker needs to send SERVICE calls through its proxy: the egress policy of SERVICE."""

    egress: EgressPolicy

    @classmethod
    def from_settings(cls, settings) -> "FederationPolicy":
        """The SERVICE policy of the settings: allow-list, private hosts, limits, User-Agent."""
        return cls(service_policy(settings))


def _worker_main(
    conn: Connection, store_path: str, federation: FederationPolicy | None = None, memory_bytes: int | None = None,
    text_folder: str | None = None,
) -> None:
    from newskg.sandbox.limits import start_worker_process

    start_worker_process(memory_bytes)  # die with the server; a query that needs more memory fails, not the machine
    from newskg.search.index import TextIndex
    from newskg.search.sparql_functions import calls_text_functions, functions_for_query
    from newskg.sparql.service_proxy import ServiceProxy
    from newskg.stores.embedded import OxigraphStore

    store, opened_generation = None, -1
    text_index, text_generation = None, -1  # opened read-only at the first query that calls text:score/text:match
    proxy = None
    evaluator = _Evaluator()
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        generation, request, accept, max_rows = message
        routed = None  # the proxy this query's SERVICE calls go through
        try:
            if federation is not None and "SERVICE" in request.query.upper():
                routed = proxy = proxy or ServiceProxy(federation.egress)
                request = dataclasses.replace(request, query=proxy.rewrite(request.query, request.base_iri))
            if text_folder is not None and calls_text_functions(request.query) and text_generation != generation:
                text_index, text_generation = TextIndex(Path(text_folder), read_only=True), generation
            functions = functions_for_query(request.query, text_index)
            for attempt in (1, 2):
                try:
                    if store is None or opened_generation != generation:
                        store = OxigraphStore.read_only(Path(store_path))
                        opened_generation = generation
                    opened = store
                    (answered, answer), evaluator = evaluator.run(
                        lambda: answer_query(opened, request, accept, max_rows, custom_functions=functions))
                    if not answered:
                        raise answer
                    conn.send(answer)
                    break
                except StoreError:
                    if attempt == 2:
                        raise
                    store = None  # files may have moved under a stale read-only view: reopen once
        except NewsKGError as exc:
            refusal = routed.failure(only_refusals=True) if routed is not None else None
            conn.send(refusal or exc)  # a SERVICE call the egress policy refused is the client's 400
        except Exception as exc:  # our own fault: reported as a 500, never as the client's
            log.exception("query worker failed")
            conn.send(NewsKGError(f"query worker failed: {type(exc).__name__}: {exc}"))


# A query still running after this long is evaluated at a lower CPU priority (nice 10: about a tenth of the CPU share
# of a normal thread when both want it), so that light queries are not held up by long scans on the same cores.
LOW_PRIORITY_AFTER_S = 0.01
LOW_PRIORITY_NICE = 10


class _Evaluator:
    """The thread of a query worker that evaluates its queries. Once a query runs past LOW_PRIORITY_AFTER_S the
    thread's nice value is raised (Linux keeps one per thread); it cannot be lowered again without privileges, so the
    thread ends with that query and a new one, at normal priority, takes the next."""

    def __init__(self):
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        started = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(started,), name="newskg-query-eval", daemon=True)
        self._thread.start()
        started.wait()

    def _loop(self, started: threading.Event) -> None:
        self.native_id = threading.get_native_id()
        started.set()
        while (work := self._work.get()) is not None:
            try:
                self._done.put((True, work()))
            except BaseException as exc:  # noqa: BLE001  (handed to the worker's loop, which reports it)
                self._done.put((False, exc))

    def run(self, work: Callable) -> tuple[tuple[bool, object], "_Evaluator"]:
        """(True, `work()`'s result) or (False, the exception it raised), and the evaluator for the next query (a new
        one when this thread's priority was lowered, whether the query succeeded or not)."""
        self._work.put(work)
        try:
            ok, value = self._done.get(timeout=LOW_PRIORITY_AFTER_S)
            following = self
        except queue.Empty:
            try:
                current = os.getpriority(os.PRIO_PROCESS, self.native_id)
                os.setpriority(os.PRIO_PROCESS, self.native_id, max(current, LOW_PRIORITY_NICE))
            except OSError:
                pass  # no per-thread priorities here: the query runs on at normal priority
            ok, value = self._done.get()
            self._work.put(None)  # this thread has a lower priority for good: it ends, a new one takes over
            following = _Evaluator()
        return (ok, value), following


class QueryPool:
    """A fixed number of query worker processes over one on-disk store."""

    def __init__(
        self, store_path: Path, *, workers: int, max_rows: int, queue_wait_s: float,
        federation: FederationPolicy | None = None, memory_bytes: int | None = None, text_index: Path | None = None,
    ):
        self.memory_bytes = memory_bytes
        self.max_rows = max_rows
        self._generation = 0
        self._workers = WorkerProcesses(
            _CONTEXT, _worker_main,
            (str(Path(store_path).resolve()), federation, memory_bytes, str(text_index) if text_index else None),
            size=workers,
            name="newskg-query-worker", queue_wait_s=queue_wait_s,
        )

    def data_changed(self) -> None:
        """Tell the workers that a write was committed: they reopen the store (and the text index) before their next
        query."""
        self._generation += 1

    def run(self, request: QueryRequest, accept: str | None, timeout_s: float) -> Answer:
        """Answer a query in a worker, within `timeout_s`; 503 past it or when every worker stays busy."""
        return self._workers.call((self._generation, request, accept, self.max_rows), timeout_s,
                                  **self._errors(timeout_s))

    async def arun(self, request: QueryRequest, accept: str | None, timeout_s: float) -> Answer:
        """`run`, awaited on the event loop without holding a thread."""
        return await self._workers.acall((self._generation, request, accept, self.max_rows), timeout_s,
                                         **self._errors(timeout_s))

    def _errors(self, timeout_s: float) -> dict:
        return {
            "busy": lambda: OverloadedError(f"all {self._workers.size} query workers are busy; try again shortly"),
            "timed_out": lambda: QueryTimeoutError(
                f"the query ran past its time limit of {timeout_s:g} s and was stopped"
            ),
            "died": lambda code: MemoryLimitError(
                f"the query was stopped: its worker died (exit {code}), which happens when a query needs more than "
                f"{(self.memory_bytes or 0) // 2**20} MiB (NEWSKG_QUERY_MEMORY_BYTES raises it)"
            ),
        }

    def close(self) -> None:
        self._workers.close()
