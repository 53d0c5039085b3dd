"""Limits that hold, over a real uvicorn server: time limit, concurrency, result rows, SERVICE/LOAD, CORS, auth."""

import threading
import time

import httpx
import pytest

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _query(server, query, **params):
    return httpx.get(server.url + "/sparql", params={"query": query, **params}, timeout=30)


@pytest.fixture
def limited(server_factory):
    return server_factory(
        env={
            "NEWSKG_WRITE_TOKEN": "test-token",
            "NEWSKG_QUERY_TIMEOUT_S": "3",
            "NEWSKG_MAX_CONCURRENT_QUERIES": "2",
            "NEWSKG_QUERY_QUEUE_WAIT_S": "0.5",
            "NEWSKG_MAX_RESULT_ROWS": "50",
        }
    )


def _cpu_seconds_of_children(pid: int) -> float:
    """CPU time used so far by the query workers (children of the server process)."""
    import os

    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def test_runaway_query_is_stopped_within_the_limit_while_others_are_served(limited):
    outcome = {}

    def runaway():
        started = time.monotonic()
        response = _query(limited, RUNAWAY)
        outcome["status"], outcome["elapsed"] = response.status_code, time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    beside = []
    while thread.is_alive():
        started = time.monotonic()
        response = _query(limited, "ASK { ?s a <https://w3id.org/newskg/ontology#Claim> }")
        beside.append((response.status_code, time.monotonic() - started))
        time.sleep(0.2)
    thread.join()
    assert outcome["status"] == 503
    assert outcome["elapsed"] < 3 + 1
    assert beside and all(status == 200 and took < 1.0 for status, took in beside)
    # The runaway's worker was killed: no worker keeps burning CPU afterwards.
    time.sleep(1.0)
    before = _cpu_seconds_of_children(limited.process.pid)
    time.sleep(1.0)
    assert _cpu_seconds_of_children(limited.process.pid) - before < 0.5


def test_per_request_timeout_cannot_exceed_the_setting(limited):
    started = time.monotonic()
    assert _query(limited, RUNAWAY, timeout="1").status_code == 503
    assert time.monotonic() - started < 2
    started = time.monotonic()
    assert _query(limited, RUNAWAY, timeout="100").status_code == 503
    assert time.monotonic() - started < 3 + 1


JOIN = "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?s } LIMIT 1"  # two patterns: a query worker answers it


def test_queries_past_the_concurrency_cap_get_a_clear_503(limited):
    results = []
    threads = [threading.Thread(target=lambda: results.append(_query(limited, RUNAWAY))) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    extra = _query(limited, JOIN)
    bounded = _query(limited, "ASK {}")  # cannot run away: answered by the server itself, no worker slot needed
    for thread in threads:
        thread.join()
    assert extra.status_code == 503 and "busy" in extra.json()["message"]
    assert bounded.status_code == 200
    assert [r.status_code for r in results] == [503, 503]
    assert _query(limited, JOIN).status_code == 200  # the pool recovered


def test_result_rows_past_the_cap_are_refused_with_a_clear_error(limited):
    response = _query(limited, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert response.status_code == 413
    assert "50" in response.json()["message"]
    assert _query(limited, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 50").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }",
        "SERVICE <http://localhost:9/sparql> { ?s ?p ?o }",
        "SERVICE <http://[::1]:9/sparql> { ?s ?p ?o }",
        "SERVICE SILENT <file:///etc/passwd> { ?s ?p ?o }",
        "SERVICE ?endpoint { ?s ?p ?o }",
    ],
)
def test_service_outside_the_allow_list_is_refused_before_evaluation(limited, target):
    response = _query(limited, f"SELECT * WHERE {{ {target} }}")
    assert response.status_code == 400
    assert "not" in response.json()["message"]


def test_load_outside_the_allow_list_is_refused(limited):
    response = httpx.post(
        limited.url + "/sparql",
        data={"update": "LOAD <http://127.0.0.1:9/data.ttl>"},
        headers={"Authorization": "Bearer test-token"},
    )
    assert response.status_code == 400


def test_cors_lets_any_origin_read_but_not_write(limited):
    read = httpx.get(
        limited.url + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"}
    )
    assert read.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in read.headers
    preflight = httpx.options(
        limited.url + "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 400  # Authorization is not an allowed header: no cross-origin writes


def test_update_needs_the_token(limited):
    update = {"update": "INSERT DATA { <urn:x:s> <urn:x:p> 1 }"}
    missing = httpx.post(limited.url + "/sparql", data=update)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.post(limited.url + "/sparql", data=update, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert _query(limited, "ASK { <urn:x:s> ?p ?o }").json()["boolean"] is False
    ok = httpx.post(limited.url + "/sparql", data=update, headers={"Authorization": "Bearer test-token"})
    assert ok.status_code == 204
    assert _query(limited, "ASK { <urn:x:s> ?p ?o }").json()["boolean"] is True


def test_read_only_without_a_token(server_factory):
    server = server_factory(env={"NEWSKG_WRITE_TOKEN": ""})
    response = httpx.post(server.url + "/sparql", data={"update": "CLEAR ALL"}, headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert _query(server, "ASK { ?s ?p ?o }").json()["boolean"] is True
