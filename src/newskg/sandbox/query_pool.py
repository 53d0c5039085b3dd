"""Query workers: user queries run outside the server process so a runaway query can be stopped.

pyoxigraph has no query timeout or cancellation (Oxigraph issue #1926). Each worker process opens the store
read-only and answers several queries at once, one per thread (a slot); the server waits for an answer up to the
time limit and, past it, kills the process (freeing its CPU at once), answers 503, starts a replacement and sends the
other queries that process was answering again (shared_processes.py). Writes happen in the server process; after
each one the pool's generation is bumped and workers reopen their read-only view (of the store, and of the text
index text:score reads) before the next query, so every query sees every write acknowledged before it started.

A process also keeps an in-memory replica of the data when it fits its share of NEWSKG_QUERY_REPLICA_BYTES: pyoxigraph
evaluates on its in-memory store about twice as fast as on RocksDB (bench/README.md), and the process's threads share
it. The replica is built in a background thread at the lowest priority from a read-only view, and serves only the
generations whose writes it holds: after a write, queries read the store on disk until the data has been quiet for
REPLICA_QUIET_S and a new replica is built.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from newskg.egress.policy import EgressPolicy, service_policy
from newskg.core.errors import MemoryLimitError, NewsKGError, OverloadedError, QueryTimeoutError, StoreError
from newskg.sparql.endpoint import Answer, answer_query
from newskg.sandbox.shared_processes import SharedWorkerProcesses
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
    conn: Connection, slots: int, store_path: str, federation: FederationPolicy | None = None,
    memory_bytes: int | None = None, text_folder: str | None = None, replica_max_quads: int = 0,
    generation=None,
) -> None:
    """A query worker process: `slots` threads answer queries at once, over one read-only view of the store (and one
    in-memory replica) shared by all; messages are (call id, slot, query) and answers (call id, outcome)."""
    from newskg.core.heap import freeze_startup_objects
    from newskg.sandbox.limits import start_worker_process

    start_worker_process(memory_bytes)  # die with the server; a query that needs more memory fails, not the machine
    data = _WorkerData(Path(store_path), federation, Path(text_folder) if text_folder else None, replica_max_quads)
    if generation is not None:  # the pool's generation now (shared memory): the replica is built at once
        data.replica.for_generation(generation.value)
    freeze_startup_objects()  # the modules loaded: no collection pass over them under a query
    sending = threading.Lock()

    def reply(call_id: int, outcome) -> None:
        with sending:
            conn.send((call_id, outcome))

    watchdog = _Watchdog()
    inboxes = [_Slot(slot, data, reply, watchdog).inbox for slot in range(slots)]
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        call_id, slot, query = message
        inboxes[slot].put((call_id, query))


class _WorkerData:
    """What a worker's slots share: the read-only view of the store (reopened after a write), the in-memory
    replica, the text index, the SERVICE proxy."""

    def __init__(self, store_path: Path, federation: FederationPolicy | None, text_folder: Path | None,
                 replica_max_quads: int):
        self.store_path, self.federation, self.text_folder = store_path, federation, text_folder
        self.replica = _Replica(store_path, replica_max_quads)
        self._lock = threading.Lock()
        self._store, self._store_generation = None, -1
        self._text_index, self._text_generation = None, -1  # opened at the first query calling text:score/text:match
        self._proxy = None

    def store(self, generation: int):
        """A read-only view that holds every write of `generation` (or a later one)."""
        from newskg.stores.embedded import OxigraphStore

        with self._lock:
            if self._store is None or self._store_generation < generation:
                self._store, self._store_generation = OxigraphStore.read_only(self.store_path), generation
            return self._store

    def reopen(self) -> None:
        """Files may have moved under a stale read-only view: the next query opens a new one."""
        with self._lock:
            self._store = None

    def text_index(self, generation: int):
        from newskg.search.index import TextIndex

        with self._lock:
            if self._text_index is None or self._text_generation < generation:
                self._text_index = TextIndex(self.text_folder, read_only=True)
                self._text_generation = generation
            return self._text_index

    def proxy(self):
        from newskg.sparql.service_proxy import ServiceProxy

        with self._lock:
            self._proxy = self._proxy or ServiceProxy(self.federation.egress)
            return self._proxy


class _Slot:
    """One query at a time, on a thread of the worker. A query that runs long is lowered in priority by the
    watchdog; Linux keeps a nice value per thread and it cannot be raised again without privileges, so that thread
    ends after its answer and a new one, at normal priority, takes the slot's next query."""

    def __init__(self, index: int, data: "_WorkerData", reply: Callable, watchdog: "_Watchdog"):
        self.index, self._data, self._reply, self._watchdog = index, data, reply, watchdog
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._start_thread()

    def _start_thread(self) -> None:
        threading.Thread(target=self._loop, name=f"newskg-query-slot-{self.index}", daemon=True).start()

    def _loop(self) -> None:
        thread = threading.get_native_id()
        while True:
            call_id, query = self.inbox.get()
            watched = self._watchdog.started(thread)
            try:
                outcome = _evaluate(self._data, query, call=f"slot-{self.index}")
            finally:
                lowered = self._watchdog.finished(watched)
            self._reply(call_id, outcome)
            if lowered:
                self._start_thread()
                return


# A query still running after this long is evaluated at a lower CPU priority (nice 10: about a tenth of the CPU share
# of a normal thread when both want it), so that light queries are not held up by long scans on the same cores.
LOW_PRIORITY_AFTER_S = 0.01
LOW_PRIORITY_NICE = 10


class _Watchdog:
    """Lowers the priority of each query thread whose current query has run past LOW_PRIORITY_AFTER_S. One thread
    per worker: it sleeps while no query runs, and wakes when the next one is due."""

    def __init__(self, after_s: float = LOW_PRIORITY_AFTER_S, nice: int = LOW_PRIORITY_NICE):
        self._after_s, self._nice = after_s, nice
        self._cond = threading.Condition()
        self._running: dict[int, list] = {}  # watch id -> [thread id, started, lowered]
        self._ids = 0
        self._idle = True  # waiting with no deadline: a new query must wake it
        threading.Thread(target=self._loop, name="newskg-query-watchdog", daemon=True).start()

    def started(self, thread: int) -> int:
        with self._cond:
            self._ids += 1
            self._running[self._ids] = [thread, time.monotonic(), False]
            if self._idle:
                self._idle = False
                self._cond.notify()
            return self._ids

    def finished(self, watched: int) -> bool:
        """Whether the thread was lowered while it ran this query."""
        with self._cond:
            return self._running.pop(watched)[2]

    def _loop(self) -> None:
        with self._cond:
            while True:
                now, due = time.monotonic(), None
                for entry in self._running.values():
                    if entry[2]:
                        continue
                    if now - entry[1] >= self._after_s:
                        entry[2] = True
                        try:
                            current = os.getpriority(os.PRIO_PROCESS, entry[0])
                            os.setpriority(os.PRIO_PROCESS, entry[0], max(current, self._nice))
                        except OSError:
                            pass  # no per-thread priorities here: the query runs on at normal priority
                    else:
                        due = min(due, entry[1] + self._after_s) if due is not None else entry[1] + self._after_s
                self._idle = due is None
                self._cond.wait(None if due is None else due - now)


def _evaluate(data: _WorkerData, query: tuple, call: str) -> object:
    """One query's answer, or the error to report."""
    from newskg.search.sparql_functions import calls_text_functions, functions_for_query

    generation, request, accept, max_rows = query
    routed = None  # the proxy this query's SERVICE calls go through
    try:
        if data.federation is not None and "SERVICE" in request.query.upper():
            routed = data.proxy()
            request = dataclasses.replace(request, query=routed.rewrite(request.query, request.base_iri, call))
        text_index = None
        if data.text_folder is not None and calls_text_functions(request.query):
            text_index = data.text_index(generation)
        functions = functions_for_query(request.query, text_index)
        for attempt in (1, 2):
            try:
                in_memory = data.replica.for_generation(generation)
                opened = in_memory or data.store(generation)
                answer = answer_query(opened, request, accept, max_rows, custom_functions=functions)
                if in_memory is not None:
                    answer.read_from = "replica"
                return answer
            except StoreError:
                if attempt == 2:
                    raise
                data.reopen()
    except NewsKGError as exc:
        refusal = routed.failure(call, only_refusals=True) if routed is not None else None
        return refusal or exc  # a SERVICE call the egress policy refused is the client's 400
    except Exception as exc:  # our own fault: reported as a 500, never as the client's
        log.exception("query worker failed")
        return NewsKGError(f"query worker failed: {type(exc).__name__}: {exc}")
    raise AssertionError("unreachable")


# After a write, a worker's replica is rebuilt once the data has stayed unchanged this long (a burst of writes costs
# one rebuild, not one per write); meanwhile its queries read the store on disk.
REPLICA_QUIET_S = 2.0
REPLICA_BUILD_NICE = 19
# What pyoxigraph's in-memory store takes per quad (measured: 240 MB of RSS for the bench's 1M quads)
REPLICA_BYTES_PER_QUAD = 256


class _Replica:
    """A worker's in-memory copy of the store, valid for one data generation."""

    def __init__(self, store_path: Path, max_quads: int):
        self._path, self._max_quads = store_path, max_quads
        self._lock = threading.Lock()
        self._ready: tuple[int, object] | None = None  # (generation, OxigraphStore in memory)
        self._building = False
        self._too_large = max_quads <= 0
        self._built_once = False
        self._seen: tuple[int, float] = (-1, 0.0)  # the latest generation a query asked for, and when first asked

    def for_generation(self, generation: int):
        """The replica when it holds the writes of `generation`, else None (and a build starts when it is time)."""
        with self._lock:
            if self._ready is not None:
                if self._ready[0] >= generation:  # built after the writes of `generation` (and maybe later ones)
                    return self._ready[1]
                self._ready = None  # a write came since: freed now, rebuilt when the data is quiet
            now = time.monotonic()
            if self._seen[0] < generation:
                self._seen = (generation, now)
            if self._too_large or self._building or (self._built_once and now - self._seen[1] < REPLICA_QUIET_S):
                return None
            self._building = True
        threading.Thread(target=self._build, args=(generation,), name="newskg-replica", daemon=True).start()
        return None

    def _build(self, generation: int) -> None:
        from newskg.stores.embedded import OxigraphStore

        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), REPLICA_BUILD_NICE)
        except OSError:
            pass
        copy, too_large = None, False
        try:
            copy = OxigraphStore.read_only(self._path).in_memory_copy(self._max_quads)
            too_large = copy is None
        except (NewsKGError, OSError, RuntimeError, MemoryError) as exc:  # tried again at the next quiet generation
            log.warning("query worker: no in-memory replica this time: %s", exc)
        with self._lock:
            self._building, self._built_once = False, True
            self._too_large = self._too_large or too_large
            if copy is not None and self._seen[0] <= generation:
                self._ready = (generation, copy)


class QueryPool:
    """Query worker processes over one on-disk store: `workers` queries at once, as threads of `processes`
    processes (threads of one process share its in-memory replica; a query past its time limit stops its process,
    and the others it was answering are sent again)."""

    def __init__(
        self, store_path: Path, *, workers: int, max_rows: int, queue_wait_s: float,
        federation: FederationPolicy | None = None, memory_bytes: int | None = None, text_index: Path | None = None,
        replica_bytes: int = 0, processes: int = 1,
    ):
        self.memory_bytes = memory_bytes
        self.max_rows = max_rows
        self._generation = 0
        self._shared_generation = _CONTEXT.Value("q", 0, lock=False)  # read by workers as they start
        processes = max(1, min(processes, workers))
        # each process's share of the replica memory, and at most a quarter of its address space
        share = min(replica_bytes // processes, (memory_bytes or replica_bytes) // 4)
        self.replica_max_quads = share // REPLICA_BYTES_PER_QUAD
        self._workers = SharedWorkerProcesses(
            _CONTEXT, _worker_main,
            (str(Path(store_path).resolve()), federation, memory_bytes, str(text_index) if text_index else None,
             self.replica_max_quads, self._shared_generation),
            processes=processes, slots=-(-workers // processes),
            name="newskg-query-worker", queue_wait_s=queue_wait_s,
        )

    def data_changed(self) -> None:
        """Tell the workers that a write was committed: they reopen the store (and the text index) before their next
        query."""
        self._generation += 1
        self._shared_generation.value = self._generation

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
            "busy": lambda: OverloadedError(f"all {self._workers.size} query slots are busy; try again shortly"),
            "timed_out": lambda: QueryTimeoutError(
                f"the query ran past its time limit of {timeout_s:g} s and was stopped"
            ),
            "died": lambda code: MemoryLimitError(
                f"the query was stopped: its worker died (exit {code}), which happens when a query needs more than "
                f"{(self.memory_bytes or 0) // 2**20} MiB (NEWSKG_QUERY_MEMORY_BYTES raises it)"
            ),
        }

    def pids(self) -> list[int]:
        """The worker processes' ids."""
        return self._workers.pids()

    def close(self) -> None:
        self._workers.close()
