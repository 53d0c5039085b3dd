"""How fast /health answers while hostile requests run: one real server on a loopback port, each attack class in
turn, /health polled every 100 ms meanwhile. Prints, per class, the hostile request's status and time and the
/health latency (p50, p99, max). Bounded: each class is one request (or one burst), stopped by the service's limits.

    .venv/bin/python bench/hostile_health.py [--sandbox-timeout 5] [--query-timeout 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

TOKEN = {"Authorization": "Bearer bench-token"}
CARTESIAN = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _burst(url: str, count: int) -> httpx.Response:
    """More runaway queries at once than the server has request threads; the last answer."""
    answers: list[httpx.Response] = []
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}"
    threads = [threading.Thread(target=lambda n=n: answers.append(
        httpx.get(url + "/sparql", params={"query": f"{query} # {n}"}, timeout=120))) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers[-1]


def _attacks(url: str) -> dict:
    clique = "\n".join(f"_:b{i} <urn:x:knows> _:b{j} ." for i in range(10) for j in range(10) if i != j)
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
              + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
              'rdf:about="http://example.org/a"><rdf:value>&i;</rdf:value></rdf:Description></rdf:RDF>')
    post = lambda path, **kw: (lambda: httpx.post(url + path, timeout=120, **kw))  # noqa: E731
    return {
        "assertion: blank-node clique of 10": post("/assertions", content=clique,
                                                   headers={**TOKEN, "Content-Type": "application/n-triples"}),
        "update: cartesian WHERE": post("/sparql", data={"update": f"INSERT {{ <urn:x:s> <urn:x:p> ?a }} WHERE {{ {CARTESIAN} }}"},
                                        headers=TOKEN),
        "query: cartesian product": lambda: httpx.get(url + "/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}"}, timeout=120),
        "query: 5000 nested groups": post("/sparql", content="SELECT * WHERE " + "{" * 5000 + "}" * 5000,
                                          headers={"Content-Type": "application/sparql-query"}),
        "validate: billion laughs (1 KB)": post("/validate", content=laughs, headers={"Content-Type": "application/rdf+xml"}),
        "validate: 20,000-deep Turtle list": post("/validate", content="<urn:x:s> <urn:x:p> " + "(" * 20000 + "1" + ")" * 20000 + " .",
                                                  headers={"Content-Type": "text/turtle"}),
        "validate: 20k triples with RDFS closure": post("/validate", params={"inference": "rdfs"},
                                                        content="\n".join(f"<urn:x:s{i}> <urn:x:p> <urn:x:o{i}> ." for i in range(20000)),
                                                        headers={"Content-Type": "application/n-triples"}),
        "burst: 48 cartesian queries": lambda: _burst(url, 48),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sandbox-timeout", type=float, default=5)
    parser.add_argument("--query-timeout", type=float, default=5)
    args = parser.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NEWSKG_STORE": str(Path(tempfile.mkdtemp()) / "store"), "NEWSKG_WRITE_TOKEN": "bench-token",
           "NEWSKG_SANDBOX_TIMEOUT_S": str(args.sandbox_timeout), "NEWSKG_QUERY_TIMEOUT_S": str(args.query_timeout),
           "NEWSKG_RESULT_CACHE_BYTES": "0"}
    server = subprocess.Popen([sys.executable, "-m", "newskg.cli", "serve", "--port", str(port), "--log-level", "error"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        print("| attack | status | seconds | /health p50 ms | p99 ms | max ms | polls |\n|---|---|---|---|---|---|---|")
        for name, attack in _attacks(url).items():
            outcome: dict = {}

            def run() -> None:
                started = time.monotonic()
                outcome["status"] = attack().status_code
                outcome["seconds"] = time.monotonic() - started

            thread = threading.Thread(target=run)
            thread.start()
            latencies = []
            while thread.is_alive():
                started = time.monotonic()
                httpx.get(url + "/health", timeout=30)
                latencies.append((time.monotonic() - started) * 1000)
                time.sleep(0.1)
            thread.join()
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
            p50 = statistics.median(latencies) if latencies else 0
            print(f"| {name} | {outcome['status']} | {outcome['seconds']:.1f} | {p50:.1f} | {p99:.1f} | "
                  f"{max(latencies, default=0):.1f} | {len(latencies)} |")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
