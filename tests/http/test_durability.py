"""A 201 means on disk: kill the server with SIGKILL mid-stream, restart, and every acknowledged write is there."""

import signal
import threading
import time
from pathlib import Path

import httpx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEMPLATE = (FIXTURES / "assertion-ok.trig").read_bytes().replace(b"7939", b"%d").replace(b"test-knb-arrests", b"kill-%d")
NKG = "https://w3id.org/newskg/ontology#"


def test_sigkill_loses_no_acknowledged_assertion_and_leaves_no_partial_one(server_factory, tmp_path):
    store = tmp_path / "store"
    server = server_factory(store, env={"NEWSKG_WRITE_TOKEN": "test-token"})
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer(offset: int):
        n = offset
        with httpx.Client(timeout=10) as client:
            while not stop.is_set() and n < offset + 500:
                body = TEMPLATE.replace(b"%d", str(n).encode())
                try:
                    response = client.post(
                        server.url + "/assertions",
                        content=body,
                        headers={"Content-Type": "application/trig", "Authorization": "Bearer test-token"},
                    )
                except httpx.HTTPError:
                    return
                if response.status_code == 201:
                    acknowledged.append(n)
                n += 1

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 10

    restarted = server_factory(store, env={"NEWSKG_WRITE_TOKEN": "test-token"})
    query = f"""SELECT ?claim (COUNT(?f) AS ?figures) ?value WHERE {{
        ?claim a <{NKG}Claim> . FILTER(CONTAINS(STR(?claim), "/claim/kill-"))
        OPTIONAL {{ GRAPH ?claim {{ ?f <{NKG}value> ?value }} }} }} GROUP BY ?claim ?value"""
    rows = httpx.get(restarted.url + "/sparql", params={"query": query}).json()["results"]["bindings"]
    stored = {int(r["claim"]["value"].rsplit("-", 1)[1]): r for r in rows}
    missing = set(acknowledged) - set(stored)
    assert not missing, f"acknowledged but lost: {sorted(missing)}"
    for n, row in stored.items():  # nothing half-written: each stored claim has its graph, figure and record
        assert row["figures"]["value"] == "1" and row["value"]["value"] == str(n)
    records = httpx.get(restarted.url + "/sparql", params={"query": f"""
        SELECT (COUNT(?a) AS ?n) WHERE {{ GRAPH <https://w3id.org/newskg/graph/assertions> {{ ?a a <{NKG}Assertion> }} }}"""}).json()
    assert int(records["results"]["bindings"][0]["n"]["value"]) == len(stored)
