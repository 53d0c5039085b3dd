"""Query worker processes with several threads each (sandbox/query_pool.py, sandbox/shared_processes.py), over a
real store on disk: an in-memory replica that answers only for the data it holds, and a query stopped at its time
limit that takes its process down without failing the other queries that process was answering."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newskg.core.errors import QueryTimeoutError
from newskg.sandbox.query_pool import REPLICA_QUIET_S, QueryPool
from newskg.sparql.protocol import QueryRequest
from newskg.stores.embedded import OxigraphStore

JSON = "application/sparql-results+json"
_HUNDRED = " ".join(str(i) for i in range(100))
_THOUSAND = " ".join(str(i) for i in range(1000))
COUNT_10M = (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {_THOUSAND} }} VALUES ?b {{ {_HUNDRED} }} "
             f"VALUES ?c {{ {_HUNDRED} }} FILTER(?a + ?b + ?c >= 0) }}")  # about a second and a half
RUNAWAY = (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {_THOUSAND} }} VALUES ?b {{ {_HUNDRED} }} "
           f"VALUES ?c {{ {_HUNDRED} }} VALUES ?d {{ {_HUNDRED} }} FILTER(?a + ?b + ?c + ?d >= 0) }}")
NAMES = "SELECT ?o WHERE { ?s <urn:x:name> ?o } ORDER BY ?o"


@pytest.fixture
def store(tmp_path: Path):
    writer = OxigraphStore(tmp_path / "store")
    writer.update('INSERT DATA { <urn:x:a> <urn:x:name> "a" }')
    writer.flush()
    yield writer
    writer.close()


def _names(answer) -> list[str]:
    import json

    return [row["o"]["value"] for row in json.loads(answer.body)["results"]["bindings"]]


def _until(pool: QueryPool, read_from: str, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = pool.run(QueryRequest(NAMES), JSON, 10)
        if answer.read_from == read_from:
            return answer
        time.sleep(0.05)
    raise AssertionError(f"no answer from the {read_from} within {timeout_s} s")


def test_the_replica_answers_only_for_the_data_it_holds(store):
    pool = QueryPool(store.path, workers=2, processes=1, max_rows=1000, queue_wait_s=5, replica_bytes=1 << 30)
    try:
        assert _names(_until(pool, "replica")) == ["a"]
        store.update('INSERT DATA { <urn:x:b> <urn:x:name> "b" }')
        store.flush()
        pool.data_changed()
        changed_at = time.monotonic()
        first = pool.run(QueryRequest(NAMES), JSON, 10)  # the write is seen at once, from the store on disk
        assert first.read_from == "store" and _names(first) == ["a", "b"]
        rebuilt = _until(pool, "replica")
        assert _names(rebuilt) == ["a", "b"]
        assert time.monotonic() - changed_at >= REPLICA_QUIET_S * 0.9  # not rebuilt while writes may still come
    finally:
        pool.close()


def test_no_replica_when_the_data_does_not_fit(store):
    pool = QueryPool(store.path, workers=2, processes=1, max_rows=1000, queue_wait_s=5, replica_bytes=0)
    try:
        assert pool.replica_max_quads == 0
        for _ in range(5):
            answer = pool.run(QueryRequest(NAMES), JSON, 10)
            assert answer.read_from == "store" and _names(answer) == ["a"]
            time.sleep(0.1)
    finally:
        pool.close()


def test_a_query_stopped_at_its_limit_does_not_fail_the_others_of_its_process(store):
    """One process, three threads: the runaway's process is killed at its time limit; the query running beside it
    is sent again to the replacement and answered; the process was replaced."""
    pool = QueryPool(store.path, workers=3, processes=1, max_rows=1000, queue_wait_s=10, replica_bytes=1 << 30)
    try:
        pool.run(QueryRequest("ASK {}"), JSON, 30)
        pids = pool.pids()
        outcome = {}

        def runaway():
            started = time.monotonic()
            try:
                pool.run(QueryRequest(RUNAWAY), JSON, 1.0)
            except QueryTimeoutError:
                outcome["runaway"] = time.monotonic() - started

        def beside():
            outcome["beside"] = pool.run(QueryRequest(COUNT_10M), JSON, 60)

        threads = [threading.Thread(target=runaway), threading.Thread(target=beside)]
        threads[0].start()
        time.sleep(0.3)
        threads[1].start()
        for thread in threads:
            thread.join()
        assert outcome["runaway"] < 2.0
        import json

        assert json.loads(outcome["beside"].body)["results"]["bindings"][0]["n"]["value"] == "10000000"
        assert pool.pids() and set(pool.pids()).isdisjoint(pids)
    finally:
        pool.close()


def test_a_query_beside_two_runaways_is_answered_not_failed(store):
    """Two runaways end their process one after the other (the second started later); a query running beside both is
    innocent each time and is answered, not refused as if it had died twice. The second runaway, which had run for
    most of its limit when the first ended the process, fails with its time limit at once instead of being sent to
    the replacement only to end it too."""
    pool = QueryPool(store.path, workers=3, processes=1, max_rows=1000, queue_wait_s=10, replica_bytes=1 << 30)
    try:
        pool.run(QueryRequest("ASK {}"), JSON, 30)
        started = time.monotonic()
        outcome = {}

        def runaway(name: str):
            try:
                pool.run(QueryRequest(RUNAWAY), JSON, 1.0)
            except QueryTimeoutError:
                outcome[name] = time.monotonic() - started

        def beside():
            try:
                outcome["beside"] = pool.run(QueryRequest(COUNT_10M), JSON, 60)
            except Exception as exc:  # noqa: BLE001 - the failure is what the assertion shows
                outcome["beside"] = exc

        threads = [threading.Thread(target=runaway, args=("first",)), threading.Thread(target=beside),
                   threading.Thread(target=runaway, args=("second",))]
        threads[0].start()
        time.sleep(0.2)
        threads[1].start()
        time.sleep(0.2)
        threads[2].start()
        for thread in threads:
            thread.join()
        import json

        assert not isinstance(outcome["beside"], Exception), outcome["beside"]
        assert json.loads(outcome["beside"].body)["results"]["bindings"][0]["n"]["value"] == "10000000"
        assert outcome["first"] < 1.5
        assert outcome["second"] < outcome["first"] + 0.15  # failed with the first's process, not 0.2 s later
    finally:
        pool.close()


def test_a_call_whose_time_is_up_is_not_sent_again():
    """A call sent once and out of time gets its own time-out error before a slot is taken: sent with no time left
    it would end the process it went to at once, and the queries beside it."""
    from newskg.sandbox.shared_processes import _Attempt

    attempt = _Attempt(0.05, timed_out=lambda: QueryTimeoutError("late"), died=lambda code: AssertionError(code))
    assert attempt.slot_wait(10) == pytest.approx(0.05, abs=0.02)  # not sent yet: wait within its limit
    attempt.sent = time.monotonic()
    time.sleep(0.06)
    with pytest.raises(QueryTimeoutError):
        attempt.slot_wait(10)


def test_calls_from_the_event_loop_time_out_are_given_up_and_are_answered(store):
    """`arun` waits on the loop's own future, answered from the pool's reader thread: many at once are answered,
    a runaway fails at its limit (the others still answered), and a call its caller gave up leaves the slot usable."""
    import asyncio

    pool = QueryPool(store.path, workers=3, processes=1, max_rows=1000, queue_wait_s=10, replica_bytes=1 << 30)

    async def scenario():
        answers = await asyncio.gather(*(pool.arun(QueryRequest(NAMES), JSON, 30) for _ in range(12)))
        assert all(_names(answer) == ["a"] for answer in answers)
        started = time.monotonic()
        runaway = asyncio.ensure_future(pool.arun(QueryRequest(RUNAWAY), JSON, 1.0))
        beside = await asyncio.gather(*(pool.arun(QueryRequest(NAMES), JSON, 30) for _ in range(4)))
        with pytest.raises(QueryTimeoutError):
            await runaway
        timed_out_after = time.monotonic() - started
        with pytest.raises(asyncio.TimeoutError):  # given up by its caller (a client that went away)
            await asyncio.wait_for(pool.arun(QueryRequest(COUNT_10M), JSON, 30), 0.3)
        after = [await pool.arun(QueryRequest(NAMES), JSON, 30) for _ in range(6)]
        return beside, timed_out_after, after

    try:
        pool.run(QueryRequest("ASK {}"), JSON, 30)
        with ThreadPoolExecutor(1) as loop_thread:  # a loop of its own: the suite may run this under another one
            beside, timed_out_after, after = loop_thread.submit(asyncio.run, scenario()).result()
        assert all(_names(answer) == ["a"] for answer in beside + after)
        assert 0.9 < timed_out_after < 2.0
    finally:
        pool.close()
