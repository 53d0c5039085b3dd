"""A pool of worker processes for untrusted work, each under a memory limit, stopped by killing it at the time limit.

Work is sent as (task name, arguments) and the task runs in `newskg.sandbox.tasks`; its result, or the
NewsKGError it raised, comes back through a pipe. Workers are forked from multiprocessing's fork server, which
imports rdflib, pySHACL and the reasoners once, so a replacement is ready in milliseconds rather than the seconds a
fresh interpreter needs. A worker that runs past the time limit is killed (its CPU and memory are freed at once)
and replaced; one that dies (out of memory, a stack overflow in native code) is replaced too. Either way the caller
gets an error that names the limit and the setting that raises it, and the server process never ran the work.
"""

from __future__ import annotations

import logging
import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection

from newskg.core.errors import MemoryLimitError, NewsKGError, OverloadedError, WorkTimeoutError
from newskg.sandbox.processes import WorkerProcesses

log = logging.getLogger("newskg.sandbox")

_PRELOAD = ["newskg.sandbox.tasks"]


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _worker_main(conn: Connection, memory_bytes: int | None) -> None:
    from newskg.sandbox import tasks
    from newskg.sandbox.limits import start_worker_process

    start_worker_process(memory_bytes)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        name, args, kwargs = message
        try:
            outcome = tasks.TASKS[name](*args, **kwargs)
        except NewsKGError as exc:
            outcome = exc
        except MemoryError:
            outcome = MemoryLimitError(
                "the work needed more memory than the sandbox's limit and was stopped", detail={"limit": memory_bytes}
            )
        except RecursionError:
            outcome = NewsKGError("the input is nested too deeply to process")
            outcome.status, outcome.title = 400, "Bad request"
        except Exception as exc:  # our own fault: a 500, logged in the worker, never a traceback to the client
            log.exception("sandbox task %s failed", name)
            outcome = NewsKGError(f"sandbox task {name} failed: {type(exc).__name__}")
        try:
            conn.send(outcome)
        except (OSError, ValueError):
            return


@dataclass(frozen=True)
class SandboxLimits:
    """The limits of untrusted work and the settings that raise them (named in every refusal)."""

    workers: int
    timeout_s: float
    memory_bytes: int
    queue_wait_s: float


class SandboxPool:
    """Worker processes that run untrusted work under a memory and a time limit."""

    def __init__(self, limits: SandboxLimits):
        self.limits = limits
        context = _context()
        # Two lanes: anonymous work (POST /validate) cannot keep the writers' work (updates, assertions, Graph Store
        # writes) waiting, since writers have a worker of their own.
        self._public = WorkerProcesses(
            context, _worker_main, (limits.memory_bytes,), size=limits.workers, name="newskg-sandbox",
            queue_wait_s=limits.queue_wait_s,
        )
        self._writes = WorkerProcesses(
            context, _worker_main, (limits.memory_bytes,), size=1, name="newskg-sandbox-writes",
            queue_wait_s=limits.timeout_s,  # writes are serialised already: wait for the one before
        )

    def run(self, task: str, *args, what: str, timeout_s: float | None = None, writer: bool = False, **kwargs):
        """Run `task` in a worker (the writers' lane when `writer`); its result, or an error naming the limit it
        passed (`what` says what ran)."""
        limit = min(timeout_s, self.limits.timeout_s) if timeout_s else self.limits.timeout_s
        lane = self._writes if writer else self._public
        return lane.call(
            (task, args, kwargs), limit,
            busy=lambda: OverloadedError(
                "the writers' sandbox worker is busy; try again shortly" if writer else
                f"all {lane.size} sandbox workers are busy; try again shortly (NEWSKG_SANDBOX_WORKERS)"
            ),
            timed_out=lambda: WorkTimeoutError(
                f"{what} ran past its time limit of {limit:g} s and was stopped; nothing was written "
                "(NEWSKG_SANDBOX_TIMEOUT_S raises it)"
            ),
            died=lambda code: MemoryLimitError(
                f"{what} exceeded the sandbox's limits and was stopped (worker exit {code}): it needed more than "
                f"{self.limits.memory_bytes // 2**20} MiB of memory (NEWSKG_SANDBOX_MEMORY_BYTES) or more stack "
                "than deeply nested input allows; nothing was written"
            ),
        )

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests)."""
        return self._public.pids() + self._writes.pids()

    def close(self) -> None:
        self._public.close()
        self._writes.close()
