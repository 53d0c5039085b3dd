"""Worker processes that answer one message at a time through a pipe, and are killed and replaced when they run
past their time limit or die: the mechanism under the sandbox for untrusted work. (Query workers answer several
queries per process: see shared_processes.py.)"""

from __future__ import annotations

import asyncio
import functools
import os
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Callable


@dataclass(eq=False)
class _Worker:
    process: object  # a multiprocessing Process of the pool's context
    conn: Connection

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)  # the worker's loop ends on None
            except (OSError, ValueError):
                kill = True
        if kill:
            self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def answer_of(outcome):
    """A worker's answer; an exception it sent is raised."""
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


class WorkerProcesses:
    """`size` processes running `target(conn, *args)`; `call` sends one message to an idle one and waits for its
    answer within a time limit. A worker that runs past it is killed (its CPU and memory freed at once) and replaced,
    and so is one that dies."""

    def __init__(self, context, target: Callable, args: tuple, *, size: int, name: str, queue_wait_s: float):
        self._context, self._target, self._args, self._name = context, target, args, name
        self.size = size
        self.queue_wait_s = queue_wait_s
        self._idle: queue.Queue[_Worker] = queue.Queue()  # first in, first out (LIFO measured: a worse p99 at 8 clients)
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=self._target, args=(child, *self._args), name=self._name, daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(kill=True)
        if not self._closed:
            self._idle.put(self._spawn())

    def call(
        self,
        message,
        timeout_s: float,
        *,
        busy: Callable[[], Exception],
        timed_out: Callable[[], Exception],
        died: Callable[[int | None], Exception],
    ):
        """The worker's answer to `message` (an exception it sent is raised here); the error `busy()` when no worker
        frees up in time, `timed_out()` past `timeout_s`, `died(exit code)` when the worker died meanwhile."""
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=min(self.queue_wait_s, timeout_s))
        except queue.Empty:
            raise busy() from None
        healthy = True
        try:
            worker.conn.send(message)
            remaining = max(0.0, timeout_s - (time.monotonic() - started))
            if not worker.conn.poll(remaining):
                healthy = False
                raise timed_out()
            outcome = worker.conn.recv()
        except (EOFError, OSError) as exc:
            healthy = False
            raise died(worker.process.exitcode) from exc
        finally:
            self._release(worker, healthy)
        return answer_of(outcome)

    async def acall(
        self,
        message,
        timeout_s: float,
        *,
        busy: Callable[[], Exception],
        timed_out: Callable[[], Exception],
        died: Callable[[int | None], Exception],
    ):
        """`call` for the event loop: no thread is held while the worker works (the loop waits for the worker's pipe to
        become readable). Only when no worker is idle does a thread wait for one, as `call` does."""
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        worker = await self._idle_worker(loop, min(self.queue_wait_s, timeout_s), busy)
        healthy = False  # until the answer is read: a worker left mid-query is replaced, never reused
        try:
            worker.conn.send(message)
            answered = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, lambda: answered.done() or answered.set_result(None))
            try:
                remaining = max(0.0, timeout_s - (time.monotonic() - started))
                await asyncio.wait_for(answered, remaining)
            except (TimeoutError, asyncio.TimeoutError):
                raise timed_out() from None
            finally:
                loop.remove_reader(fd)
            os.set_blocking(fd, True)  # uvloop leaves a watched fd non-blocking: the rest of a long answer is waited for
            outcome = worker.conn.recv()
            healthy = True
        except (EOFError, OSError) as exc:
            raise died(worker.process.exitcode) from exc
        finally:
            self._release(worker, healthy)
        return answer_of(outcome)

    def _release(self, worker: _Worker, healthy: bool) -> None:
        """Back to the idle workers after a whole answer; otherwise killed and replaced (in the background)."""
        if healthy:
            self._idle.put(worker)
        else:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    async def _idle_worker(self, loop, wait_s: float, busy: Callable[[], Exception]) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        waiting = loop.run_in_executor(None, functools.partial(self._idle.get, timeout=wait_s))
        try:
            return await asyncio.shield(waiting)
        except queue.Empty:
            raise busy() from None
        except asyncio.CancelledError:  # the caller went away: the worker the thread still gets goes back to the pool
            waiting.add_done_callback(lambda done: done.exception() is None and self._idle.put(done.result()))
            raise

    def pids(self) -> list[int]:
        """The worker processes' ids."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()
