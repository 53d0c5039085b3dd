"""What every worker process does first: cap its memory, and die with the server that started it."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import threading
import time


def cap_memory(memory_bytes: int | None) -> None:
    """Limit the process's address space: past it, allocations fail (a MemoryError, or the process aborts)."""
    if memory_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _running(pid: int) -> bool:
    """Whether process `pid` exists and has not exited (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


def exit_with_parent(poll_s: float = 0.5, parent: int | None = None) -> None:
    """End this process as soon as the process that started it is gone, even while a query or a parse runs.

    A daemon thread watches two things: the parent pid changing (the parent died, this process was adopted), and the
    process that started this one (`parent`, by default multiprocessing's record of it, which is set before the
    child's imports) no longer running, which catches a parent killed while this process was still starting.
    pyoxigraph and our Rust parsers release the GIL, so the watcher runs while they work. (PR_SET_PDEATHSIG is not
    used: it fires when the *thread* that forked exits, and workers are replaced from short-lived threads.)
    """
    if parent is None:
        started_by = multiprocessing.parent_process()
        parent = started_by.pid if started_by is not None and started_by.pid else os.getppid()
    adopted_from = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != adopted_from or not _running(parent):
                os._exit(0)
            time.sleep(poll_s)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# glibc gives a thread that allocates its own malloc arena, reserving 64 MiB of address space each, up to 8 per core:
# under a capped address space a process of several query threads ran out of it with little memory in use (a 1 GiB
# worker could not answer ASK {}). Four arenas are shared by all the threads of a worker.
MALLOC_ARENAS = 4
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """Cap the number of glibc malloc arenas of this process (before it starts threads); nothing elsewhere."""
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass  # not glibc


def start_worker_process(memory_bytes: int | None) -> None:
    """The common start of a worker: few malloc arenas, die with the parent, then cap memory."""
    limit_malloc_arenas()
    exit_with_parent()
    cap_memory(memory_bytes)
