"""Queries awaited on the event loop (no thread per waiting query), over a real server: answers are whole, never
crossed between concurrent requests, never the late answer of a stopped query, and light queries are not held up by
heavy ones while workers are free."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from newskg_test_servers import RunningServer

    server = RunningServer(tmp_path_factory.mktemp("dispatch") / "store", env={
        "NEWSKG_QUERY_TIMEOUT_S": "2", "NEWSKG_MAX_CONCURRENT_QUERIES": "3", "NEWSKG_RESULT_CACHE_BYTES": "0",
    })
    yield server
    server.stop()


def _get(server, query, client=None, **params):
    client = client or httpx
    return client.get(server.url + "/sparql", params={"query": query, **params},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)


def test_a_long_answer_arrives_whole(served):
    """An answer of megabytes is read from the worker in many chunks (the pipe is waited on by the event loop)."""
    response = _get(served, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 20000")
    assert response.status_code == 200
    rows = response.json()["results"]["bindings"]
    assert len(response.content) > 500_000  # the pipe holds 64 KiB at a time
    count = _get(served, "SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 20000 } }")
    assert int(count.json()["results"]["bindings"][0]["n"]["value"]) == len(rows)


def test_concurrent_answers_go_to_their_own_requests(served):
    """Many distinct queries at once, more than there are workers: each gets its own answer."""
    def ask(n: int) -> tuple[int, int, int]:
        with httpx.Client() as client:
            response = _get(served, f"SELECT (?x * 2 AS ?n) WHERE {{ VALUES ?x {{ {n} }} }}", client)
            value = int(response.json()["results"]["bindings"][0]["n"]["value"]) if response.status_code == 200 else -1
            return n, response.status_code, value

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(ask, range(200)))
    assert all(status == 200 for _, status, _ in results), [r for r in results if r[1] != 200][:3]
    assert all(value == 2 * n for n, _, value in results)


def test_a_stopped_query_never_answers_a_later_request(served):
    """The worker of a query past its time limit is replaced, not reused: its late answer cannot reach anyone."""
    with httpx.Client() as client:
        started = time.monotonic()
        assert _get(served, RUNAWAY, client).status_code == 503
        assert time.monotonic() - started < 2 + 1
        for n in range(20):
            response = _get(served, f"SELECT ?n WHERE {{ VALUES ?n {{ {n} }} }}", client)
            assert response.status_code == 200
            assert json.loads(response.content)["results"]["bindings"][0]["n"]["value"] == str(n)


def test_light_queries_are_answered_while_heavy_ones_run(served):
    """Two runaway queries hold two of the three workers; light queries keep being answered quickly by the third."""
    done = []
    heavy = [threading.Thread(target=lambda: done.append(_get(served, RUNAWAY).status_code)) for _ in range(2)]
    for thread in heavy:
        thread.start()
    time.sleep(0.3)
    took = []
    with httpx.Client() as client:
        while any(thread.is_alive() for thread in heavy):
            started = time.monotonic()
            assert _get(served, "ASK { ?s ?p ?o }", client).status_code == 200
            took.append(time.monotonic() - started)
    for thread in heavy:
        thread.join()
    assert done == [503, 503]
    assert len(took) >= 5 and sorted(took)[len(took) // 2] < 0.5


def test_a_worker_answers_again_after_a_long_query_failed(tmp_path):
    """One worker: a query stopped by the row cap after running long (its thread's priority lowered) must leave the
    worker able to answer the next query at once, not hang until the time limit."""
    from newskg_test_servers import RunningServer

    server = RunningServer(tmp_path / "store", env={
        "NEWSKG_QUERY_TIMEOUT_S": "5", "NEWSKG_MAX_CONCURRENT_QUERIES": "1", "NEWSKG_RESULT_CACHE_BYTES": "0",
        "NEWSKG_MAX_RESULT_ROWS": "200000",
    })
    try:
        with httpx.Client() as client:
            started = time.monotonic()
            refused = _get(server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", client)
            assert refused.status_code == 413 and time.monotonic() - started > 0.05
            for n in range(3):
                started = time.monotonic()
                response = _get(server, f"SELECT ?n WHERE {{ VALUES ?n {{ {n} }} }}", client)
                assert response.status_code == 200 and time.monotonic() - started < 2
    finally:
        server.stop()
