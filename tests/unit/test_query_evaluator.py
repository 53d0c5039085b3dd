"""The query workers' threads: a query that runs long goes on at a lower CPU priority (the watchdog lowers its
thread), and the slot's next query gets a thread at normal priority again (light queries are not held up by scans
on the same cores)."""

import os
import queue
import threading
import time

from newskg.sandbox import query_pool
from newskg.sandbox.query_pool import LOW_PRIORITY_AFTER_S, LOW_PRIORITY_NICE, _Slot, _Watchdog


def _nice_and_thread() -> tuple[int, int]:
    return os.getpriority(os.PRIO_PROCESS, 0), threading.get_native_id()  # Linux: the calling thread's nice value


def test_the_watchdog_lowers_only_a_thread_running_past_the_limit():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    watchdog = _Watchdog()
    seen = {}

    def query(name: str, seconds: float) -> None:
        watched = watchdog.started(threading.get_native_id())
        time.sleep(seconds)
        seen[name] = (os.getpriority(os.PRIO_PROCESS, 0), watchdog.finished(watched))

    threads = [threading.Thread(target=query, args=("short", 0)),
               threading.Thread(target=query, args=("long", LOW_PRIORITY_AFTER_S * 8))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["short"] == (base, False)
    assert seen["long"] == (max(base, LOW_PRIORITY_NICE), True)
    assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the test's own thread is untouched
    # idle, then busy again: a query after a quiet spell is watched too
    time.sleep(0.05)
    query("later", LOW_PRIORITY_AFTER_S * 8)
    assert seen["later"][1] is True


def test_a_slot_answers_on_a_fresh_thread_after_a_long_query(monkeypatch):
    """A query that ran long (lowered), or failed after running long, leaves the slot with a thread at normal
    priority for its next query."""
    base = os.getpriority(os.PRIO_PROCESS, 0)

    def fake_evaluate(data, query, call):
        kind = query
        if kind in ("long", "failing late"):
            time.sleep(LOW_PRIORITY_AFTER_S * 8)
        if kind == "failing late":
            return ValueError("a row cap reached late")
        return _nice_and_thread()

    monkeypatch.setattr(query_pool, "_evaluate", fake_evaluate)
    answers: queue.SimpleQueue = queue.SimpleQueue()
    slot = _Slot(0, data=None, reply=lambda call_id, outcome: answers.put((call_id, outcome)), watchdog=_Watchdog())
    slot.inbox.put((1, "short"))
    _, (nice, first_thread) = answers.get(timeout=5)
    slot.inbox.put((2, "short"))
    _, (_, again) = answers.get(timeout=5)
    assert nice == base and again == first_thread
    slot.inbox.put((3, "long"))
    _, (long_nice, long_thread) = answers.get(timeout=5)
    assert long_nice == max(base, LOW_PRIORITY_NICE) and long_thread == first_thread
    slot.inbox.put((4, "short"))
    _, (next_nice, next_thread) = answers.get(timeout=5)
    assert next_nice == base and next_thread != long_thread
    slot.inbox.put((5, "failing late"))
    call_id, error = answers.get(timeout=5)
    assert call_id == 5 and isinstance(error, ValueError)
    slot.inbox.put((6, "short"))
    _, (after_nice, after_thread) = answers.get(timeout=5)
    assert after_nice == base and after_thread != next_thread
