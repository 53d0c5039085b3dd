"""The query workers' evaluation thread: a query that runs long goes on at a lower CPU priority, and the next query
gets a thread at normal priority again (light queries are not held up by scans on the same cores)."""

import os
import threading
import time

from newskg.sandbox.query_pool import LOW_PRIORITY_AFTER_S, LOW_PRIORITY_NICE, _Evaluator


def _nice_and_thread() -> tuple[int, int]:
    return os.getpriority(os.PRIO_PROCESS, 0), threading.get_native_id()  # Linux: the calling thread's nice value


def test_a_short_query_keeps_its_thread_and_priority():
    evaluator = _Evaluator()
    (_, (nice, thread)), following = evaluator.run(_nice_and_thread)
    (_, (_, again)), _ = following.run(_nice_and_thread)
    assert following is evaluator and nice == os.getpriority(os.PRIO_PROCESS, 0) and again == thread


def test_a_long_query_is_lowered_and_the_next_gets_a_fresh_thread():
    base = os.getpriority(os.PRIO_PROCESS, 0)

    def long_query():
        time.sleep(LOW_PRIORITY_AFTER_S * 5)
        return _nice_and_thread()

    evaluator = _Evaluator()
    (ok, (nice, thread)), following = evaluator.run(long_query)
    assert ok
    assert nice == max(base, LOW_PRIORITY_NICE)
    assert following is not evaluator
    (_, (next_nice, next_thread)), _ = following.run(_nice_and_thread)
    assert next_nice == base and next_thread != thread
    assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the worker's own thread is untouched


def test_an_error_is_handed_back_with_a_working_evaluator_for_the_next_query():
    """A query that fails after running long (a row cap reached late, say) still leaves a live evaluator behind."""
    def failing_late():
        time.sleep(LOW_PRIORITY_AFTER_S * 5)
        raise ValueError("bad")

    for work in (failing_late, lambda: 1 / 0):
        (ok, error), following = _Evaluator().run(work)
        assert not ok and isinstance(error, (ValueError, ZeroDivisionError))
        (ok, value), _ = following.run(lambda: 42)
        assert ok and value == 42
