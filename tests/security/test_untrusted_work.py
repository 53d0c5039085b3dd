"""Untrusted work runs where a limit can stop it: canonicalisation, updates, deep nesting, memory — over a real
server, with /health answering fast all the while and nothing written by a refused request."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import httpx
import pytest

TOKEN = {"Authorization": "Bearer test-token"}
CARTESIAN = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i"


@pytest.fixture
def limited(server_factory):
    return server_factory(env={
        "NEWSKG_WRITE_TOKEN": "test-token",
        "NEWSKG_SANDBOX_TIMEOUT_S": "3",
        "NEWSKG_QUERY_TIMEOUT_S": "5",
    })


def _count(server, pattern: str = "?s ?p ?o") -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"
    response = httpx.get(server.url + "/sparql", params={"query": query}, headers={"Accept": "application/json"})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _while_health_is_polled(server, hostile) -> tuple[httpx.Response, float, list[float]]:
    """Send a hostile request in a thread; poll /health meanwhile. (response, its seconds, health latencies)."""
    outcome: dict = {}

    def run():
        started = time.monotonic()
        outcome["response"] = hostile()
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    latencies = []
    while thread.is_alive():
        started = time.monotonic()
        assert httpx.get(server.url + "/health", timeout=10).status_code == 200
        latencies.append(time.monotonic() - started)
        time.sleep(0.1)
    thread.join()
    return outcome["response"], outcome["elapsed"], latencies


def _clique(size: int) -> str:
    return "\n".join(f"_:b{i} <urn:x:knows> _:b{j} ." for i in range(size) for j in range(size) if i != j)


def test_a_blank_node_clique_is_stopped_at_the_limit_while_health_answers(limited):
    before = _count(limited)
    response, elapsed, health = _while_health_is_polled(limited, lambda: httpx.post(
        limited.url + "/assertions", content=_clique(10), timeout=60,
        headers={**TOKEN, "Content-Type": "application/n-triples"},
    ))
    assert response.status_code == 503
    assert "NEWSKG_SANDBOX_TIMEOUT_S" in response.json()["message"]
    assert elapsed < 3 + 2
    assert health and max(health) < 2.0
    assert _count(limited) == before


def test_an_update_with_a_runaway_where_is_stopped_and_writes_nothing(limited):
    before = _count(limited)
    update = f"INSERT {{ <urn:x:s> <urn:x:p> ?a }} WHERE {{ {CARTESIAN} }}"
    response, elapsed, health = _while_health_is_polled(limited, lambda: httpx.post(
        limited.url + "/sparql", data={"update": update}, headers=TOKEN, timeout=60,
    ))
    assert response.status_code == 503
    assert "NEWSKG_SANDBOX_TIMEOUT_S" in response.json()["message"]
    assert elapsed < 3 + 2
    assert health and max(health) < 2.0
    assert _count(limited) == before
    # the write lock was released: the next update goes through
    ok = httpx.post(limited.url + "/sparql", data={"update": "INSERT DATA { <urn:x:s> <urn:x:q> 1 }"}, headers=TOKEN)
    assert ok.status_code == 204


@pytest.mark.parametrize("nested", [
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 200 + "1" + " ]" * 200 + " }",
    "ASK { ?s ?p " + "(" * 300 + "1" + ")" * 300 + " }",
    "SELECT * WHERE " + "\\u007B" * 5000 + "\\u007D" * 5000,  # codepoint escapes, as the SPARQL spec reads them
    'SELECT * WHERE { BIND("\\u0022" AS ?x) ' + "{" * 300 + "}" * 300 + ' } # """',  # an escaped quote hides nothing
])
def test_deeply_nested_queries_are_refused_before_parsing(limited, nested):
    started = time.monotonic()
    response = httpx.post(limited.url + "/sparql", content=nested, timeout=30,
                          headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert "NEWSKG_MAX_SPARQL_NESTING" in response.json()["message"]
    assert time.monotonic() - started < 2
    assert httpx.get(limited.url + "/health").status_code == 200


def test_deeply_nested_updates_are_refused_and_the_server_lives(limited):
    update = "INSERT { <urn:x:s> <urn:x:p> 1 } WHERE " + "{" * 20000 + "}" * 20000
    response = httpx.post(limited.url + "/sparql", data={"update": update}, headers=TOKEN, timeout=30)
    assert response.status_code == 400
    assert httpx.get(limited.url + "/health").status_code == 200


def test_deeply_nested_turtle_to_validate_is_no_server_error(limited):
    depth = 20000
    turtle = "<urn:x:s> <urn:x:p> " + "(" * depth + "1" + ")" * depth + " ."
    response, _, health = _while_health_is_polled(limited, lambda: httpx.post(
        limited.url + "/validate", content=turtle, headers={"Content-Type": "text/turtle"}, timeout=60,
    ))
    assert response.status_code < 500 or response.status_code == 503
    assert health and max(health) < 2.0
    assert httpx.get(limited.url + "/health").status_code == 200


def test_a_query_past_the_memory_limit_is_stopped_not_the_server(server_factory):
    server = server_factory(env={"NEWSKG_QUERY_MEMORY_BYTES": str(1024 * 2**20), "NEWSKG_QUERY_TIMEOUT_S": "60"})
    query = (
        "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c), STR(?d), STR(?a), STR(?b), STR(?c), STR(?d))))"
        " AS ?n) "
        "WHERE { ?a ?p ?b . ?c ?q ?d }"
    )
    response = httpx.get(server.url + "/sparql", params={"query": query}, timeout=90)
    assert response.status_code == 413
    assert "NEWSKG_QUERY_MEMORY_BYTES" in response.json()["message"]
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}).status_code == 200


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_server_leaves_no_scratch_copy_and_no_worker(server_factory, tmp_path):
    store = tmp_path / "killed-store"
    server = server_factory(store=store, env={"NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_SANDBOX_TIMEOUT_S": "60"})
    update = f"INSERT {{ <urn:x:s> <urn:x:p> ?a }} WHERE {{ {CARTESIAN} }}"

    def update_cut_off_by_the_kill():
        with contextlib.suppress(httpx.TransportError):  # the server dies without answering: expected
            httpx.post(server.url + "/sparql", data={"update": update}, headers=TOKEN, timeout=60)

    threading.Thread(target=update_cut_off_by_the_kill, daemon=True).start()
    scratch_root = store.parent / f".{store.name}.scratch"
    deadline = time.monotonic() + 20
    while not (scratch_root.is_dir() and any(scratch_root.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(scratch_root.iterdir()), "the update made no scratch copy"
    workers = _descendants(server.process.pid)
    assert workers
    server.stop(signal.SIGKILL)
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived the server"
    restarted = server_factory(store=store, env={"NEWSKG_WRITE_TOKEN": "test-token"})
    assert not scratch_root.exists() or not any(scratch_root.iterdir())
    assert httpx.get(restarted.url + "/health").status_code == 200


def test_health_answers_while_hostile_requests_hold_every_request_thread(server_factory):
    server = server_factory(env={
        "NEWSKG_MAX_CONCURRENT_QUERIES": "1", "NEWSKG_QUERY_QUEUE_WAIT_S": "6", "NEWSKG_QUERY_TIMEOUT_S": "6",
        "NEWSKG_RESULT_CACHE_BYTES": "0",
    })
    runaway = f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}"
    statuses: list[int] = []

    def hostile(n: int) -> None:
        query = runaway + f" # {n}"
        statuses.append(httpx.get(server.url + "/sparql", params={"query": query}, timeout=30).status_code)

    threads = [threading.Thread(target=hostile, args=(n,)) for n in range(48)]  # more than the 40 request threads
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    latencies = []
    while any(thread.is_alive() for thread in threads):
        started = time.monotonic()
        assert httpx.get(server.url + "/health", timeout=10).status_code == 200
        latencies.append(time.monotonic() - started)
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert set(statuses) == {503}
    assert latencies and max(latencies) < 2.0


def test_anonymous_validation_cannot_hold_writes_up(server_factory):
    server = server_factory(env={
        "NEWSKG_WRITE_TOKEN": "test-token", "NEWSKG_SANDBOX_WORKERS": "1", "NEWSKG_SANDBOX_TIMEOUT_S": "25",
        "NEWSKG_QUERY_QUEUE_WAIT_S": "1",
    })
    heavy = "\n".join(f"<urn:x:s{i}> <urn:x:p> <urn:x:o{i}> ." for i in range(20000))  # seconds of RDFS closure
    statuses: list[int] = []

    def validate() -> None:
        statuses.append(httpx.post(
            server.url + "/validate", params={"inference": "rdfs"}, content=heavy, timeout=60,
            headers={"Content-Type": "application/n-triples"},
        ).status_code)

    threads = [threading.Thread(target=validate) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # the one public sandbox worker is busy now, and the others were turned away
    assert any(thread.is_alive() for thread in threads)
    started = time.monotonic()
    write = httpx.post(server.url + "/sparql", data={"update": "INSERT DATA { <urn:x:w> <urn:x:p> 1 }"},
                       headers=TOKEN, timeout=60)
    took = time.monotonic() - started
    busy_meanwhile = any(thread.is_alive() for thread in threads)
    for thread in threads:
        thread.join()
    assert write.status_code == 204
    assert busy_meanwhile and took < 3.0
    assert 503 in statuses  # the anonymous lane was full


def test_graph_store_reads_past_the_result_cap_are_refused_not_built_in_memory(server_factory):
    server = server_factory(env={"NEWSKG_MAX_RESULT_ROWS": "500"})
    whole = httpx.get(server.url + "/store", headers={"Accept": "application/n-quads"})
    assert whole.status_code == 413 and "NEWSKG_MAX_RESULT_ROWS" in whole.json()["message"]
    default = httpx.get(server.url + "/store", params={"default": ""}, headers={"Accept": "application/n-triples"})
    assert default.status_code == 413
    small = httpx.get(server.url + "/store", params={"graph": "https://w3id.org/newskg/graph/wikidata-snapshot"},
                      headers={"Accept": "application/n-triples"})
    assert small.status_code == 200 and small.text.count("\n") < 500


def test_whole_store_pages_are_computed_once_per_write_not_per_request(kg):
    calls = []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert kg.memo("page", compute) == 1 and kg.memo("page", compute) == 1
    kg.committed()
    assert kg.memo("page", compute) == 2 and len(calls) == 2
