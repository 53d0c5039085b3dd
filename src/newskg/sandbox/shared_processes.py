"""Worker processes that each answer several messages at once, one per slot (a thread of theirs), through one pipe.

Threads in one process share what the process holds (the query workers' in-memory replica of the data, its CPU
caches), which separate processes cannot. The price: a process is the unit that can be stopped. When one message
runs past its time limit, its process is killed and replaced, and the other messages it was answering are sent
again, once, to a live process, within what is left of their own time limits; they were not at fault.

Messages go out as (call id, slot, message); answers come back as (call id, outcome) and are matched by a reader
thread per process. A slot is taken from the idle slots (last in, first out: the most recently used thread, whose
data is warm in the CPU caches) before a message is sent, and given back with the answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import queue
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Callable

from newskg.sandbox.processes import answer_of

RESTART_PAUSE_S = 1.0


def _settle(waiter, outcome=None, error: BaseException | None = None) -> None:
    """Give a call's waiter its answer (or error), from any thread: a concurrent future directly, an asyncio future
    through its loop (a call from the event loop waits on one, with no thread hop in between)."""
    if isinstance(waiter, concurrent.futures.Future):
        if not waiter.done():
            if error is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(outcome)
        return
    try:
        waiter.get_loop().call_soon_threadsafe(_settle_on_loop, waiter, outcome, error)
    except RuntimeError:  # its loop is closed: nobody waits any more
        pass


def _settle_on_loop(waiter: asyncio.Future, outcome, error: BaseException | None) -> None:
    if not waiter.done():  # a call given up (cancelled, timed out) is not answered
        if error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(outcome)


class _Stopped(Exception):
    """A call's process ended while the call was in flight."""

    def __init__(self, exitcode: int | None, innocent: bool):
        super().__init__(f"worker process ended (exit {exitcode})")
        self.exitcode, self.innocent = exitcode, innocent


@dataclass(eq=False)
class _Process:
    process: object  # a multiprocessing Process of the pool's context
    conn: Connection
    calls: dict[int, object] = field(default_factory=dict)  # call id -> its waiter (see _settle)
    lock: threading.Lock = field(default_factory=threading.Lock)  # calls, alive, and sending on conn
    alive: bool = True
    killed_for: int | None = None  # the call whose time limit ended the process
    started: float = field(default_factory=time.monotonic)

    def end(self, killed_for: int | None = None) -> bool:
        """Mark the process ended (first caller wins) and fail its calls in flight; True for the first caller."""
        with self.lock:
            if not self.alive:
                return False
            self.alive = False
            self.killed_for = killed_for
            calls, self.calls = self.calls, {}
        for call_id, waiter in calls.items():
            innocent = killed_for is not None and call_id != killed_for
            _settle(waiter, error=_Stopped(self.process.exitcode, innocent))
        return True

    def stop(self) -> None:
        """Ask the process to end, kill it if it does not; its reader thread closes the pipe."""
        try:
            with self.lock:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@dataclass(eq=False)
class _Attempt:
    """One call's time limit, the errors it ends with, and what its tries so far used of them."""

    timeout_s: float
    timed_out: Callable[[], Exception]
    died: Callable[[int | None], Exception]
    started: float = field(default_factory=time.monotonic)
    sent: float = 0.0  # when the message last went to a process
    deaths: int = 0  # processes that died under it on their own (not stopped for another call's time limit)

    def remaining(self) -> float:
        return max(0.0, self.timeout_s - (time.monotonic() - self.started))

    def slot_wait(self, queue_wait_s: float) -> float:
        """How long to wait for an idle slot: the queue wait, within what is left of the time limit; a call whose
        time is up is not sent again (it would end the process it was sent to at once)."""
        if self.sent and self.remaining() == 0.0:
            raise self.timed_out()
        return min(queue_wait_s, self.remaining())


class SharedWorkerProcesses:
    """`processes` processes running `target(conn, slots, *args)`, each answering up to `slots` messages at once;
    `call`/`acall` send one message to an idle slot and wait for its answer within a time limit."""

    def __init__(self, context, target: Callable, args: tuple, *, processes: int, slots: int, name: str,
                 queue_wait_s: float):
        self._context, self._target, self._args, self._name = context, target, args, name
        self.slots_per_process = slots
        self.size = processes * slots
        self.queue_wait_s = queue_wait_s
        self._idle: queue.LifoQueue[tuple[_Process, int]] = queue.LifoQueue()
        self._all: set[_Process] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._ids = itertools.count(1)
        for _ in range(processes):
            self._start()

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=self._target, args=(child, self.slots_per_process, *self._args),
                                        name=self._name, daemon=True)
        process.start()
        child.close()
        worker = _Process(process, parent)
        with self._lock:
            closed = self._closed
            if not closed:
                self._all.add(worker)
        if closed:
            process.kill()
            process.join()
            parent.close()
            return
        threading.Thread(target=self._read, args=(worker,), name=f"{self._name}-reader", daemon=True).start()
        for slot in range(self.slots_per_process):
            self._idle.put((worker, slot))

    def _read(self, worker: _Process) -> None:
        """The answers of one process, matched to their calls, until it ends; then it is replaced."""
        try:
            while True:
                call_id, outcome = worker.conn.recv()
                with worker.lock:
                    waiter = worker.calls.pop(call_id, None)
                if waiter is not None:
                    _settle(waiter, outcome)
        except (EOFError, OSError, TypeError, ValueError):
            pass
        worker.end()
        with self._lock:
            self._all.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        if not self._closed:
            if worker.killed_for is None and time.monotonic() - worker.started < RESTART_PAUSE_S:
                time.sleep(RESTART_PAUSE_S)  # a process that dies as it starts is not restarted in a tight loop
            self._start()

    def _take(self, wait_s: float, busy: Callable[[], Exception]) -> tuple[_Process, int]:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                worker, slot = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise busy() from None
            if worker.alive:  # the slots of an ended process are dropped as they come up
                return worker, slot

    def _take_now(self) -> tuple[_Process, int] | None:
        while True:
            try:
                worker, slot = self._idle.get_nowait()
            except queue.Empty:
                return None
            if worker.alive:
                return worker, slot

    def _send(self, worker: _Process, slot: int, message, attempt: _Attempt, waiter) -> int:
        """Send `message` to a slot of `worker`; `waiter` (a future) gets the answer. The call's id."""
        call_id = next(self._ids)
        attempt.sent = time.monotonic()
        with worker.lock:
            if not worker.alive:
                _settle(waiter, error=_Stopped(worker.process.exitcode, innocent=True))
                return call_id
            worker.calls[call_id] = waiter
            try:
                worker.conn.send((call_id, slot, message))
            except (OSError, ValueError):
                worker.calls.pop(call_id, None)
                _settle(waiter, error=_Stopped(worker.process.exitcode, innocent=True))
        return call_id

    def _release(self, worker: _Process, slot: int) -> None:
        if worker.alive:
            self._idle.put((worker, slot))

    def _failed(self, failure: Exception, worker: _Process, call_id: int, attempt: _Attempt) -> None:
        """After a call got no answer: past its time limit, its process is stopped (the other calls it was answering
        are sent again, they were not at fault; the reader replaces it) and `timed_out()` raised. When another call's
        time limit ended the process, return to send it again, unless what is left of its own limit is shorter than
        it had already run (it would most likely end the replacement too). When its process died on its own
        (memory), return to send it again once; the second time `died()`."""
        if isinstance(failure, TimeoutError):
            if worker.end(killed_for=call_id):
                worker.process.kill()
            raise attempt.timed_out() from None
        if failure.innocent:
            if attempt.remaining() < time.monotonic() - attempt.sent:
                raise attempt.timed_out() from None
            return
        attempt.deaths += 1
        if attempt.deaths == 2:
            raise attempt.died(failure.exitcode) from None

    def call(self, message, timeout_s: float, *, busy: Callable[[], Exception], timed_out: Callable[[], Exception],
             died: Callable[[int | None], Exception]):
        """The answer to `message` (an exception the worker sent is raised here); `busy()` when no slot frees up in
        time, `timed_out()` past `timeout_s`, `died(exit code)` when its process died under it (twice)."""
        attempt = _Attempt(timeout_s, timed_out, died)
        while True:
            worker, slot = self._take(attempt.slot_wait(self.queue_wait_s), busy)
            future: concurrent.futures.Future = concurrent.futures.Future()
            call_id = self._send(worker, slot, message, attempt, future)
            try:
                outcome = future.result(timeout=attempt.remaining())
            except (TimeoutError, _Stopped) as failure:  # concurrent.futures.TimeoutError is TimeoutError
                self._failed(failure, worker, call_id, attempt)
                continue
            finally:
                self._release(worker, slot)
            return answer_of(outcome)

    async def acall(self, message, timeout_s: float, *, busy: Callable[[], Exception],
                    timed_out: Callable[[], Exception], died: Callable[[int | None], Exception]):
        """`call` for the event loop: no thread waits while the worker works; only when no slot is idle does a
        thread wait for one."""
        loop = asyncio.get_running_loop()
        attempt = _Attempt(timeout_s, timed_out, died)
        while True:
            wait_s = attempt.slot_wait(self.queue_wait_s)  # first: a call whose time is up is not sent again
            worker, slot = self._take_now() or await self._wait_for_slot(loop, wait_s, busy)
            waiter = loop.create_future()
            call_id = self._send(worker, slot, message, attempt, waiter)
            timer = loop.call_later(attempt.remaining(), _settle_on_loop, waiter, None, TimeoutError())
            try:
                outcome = await waiter
            except (TimeoutError, _Stopped) as failure:
                self._failed(failure, worker, call_id, attempt)
                continue
            finally:
                timer.cancel()
                self._release(worker, slot)
            return answer_of(outcome)

    async def _wait_for_slot(self, loop, wait_s: float, busy: Callable[[], Exception]) -> tuple[_Process, int]:
        waiting = loop.run_in_executor(None, functools.partial(self._take, wait_s, busy))
        try:
            return await asyncio.shield(waiting)
        except asyncio.CancelledError:  # the caller went away: the slot the thread still gets goes back
            waiting.add_done_callback(lambda done: done.exception() is None and self._release(*done.result()))
            raise

    def pids(self) -> list[int]:
        """The worker processes' ids."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.end()
            worker.stop()
