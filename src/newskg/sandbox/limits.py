"""What every worker process does first: cap its memory, and die with the server that started it."""

from __future__ import annotations

import ctypes
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


def exit_with_parent(poll_s: float = 0.5) -> None:
    """End this process as soon as the process that started it is gone (even while a query or a parse runs).

    A daemon thread watches the parent pid; pyoxigraph and our Rust parsers release the GIL, so the watcher runs
    while they work. (PR_SET_PDEATHSIG is not used: it fires when the *thread* that forked exits, and workers are
    replaced from short-lived threads.)
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent:
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
