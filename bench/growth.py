"""How newskg grows: query latency, validation latency, reasoning cost and server memory at each corpus size.

    python bench/growth.py --sizes 10k,100k,1m --seed 42 --duration 20

For each size: the seeded corpus (bench/corpus.py) is bulk-loaded into a fresh store with `newskg load`
(NEWSKG_LOAD_SEED=false: the seed's whole-store reasoning is measured separately below); `newskg serve` is started
on a free loopback port and the query mix (bench/query_mix.py, the seven kinds in equal shares) is sent over one
keep-alive connection for --duration seconds after a warm-up, giving p50/p99 per request and per kind, and the
server's resident memory (its process tree, query workers included) after the run. The server is stopped; then, in
a separate process each: the validation latency of a new assertion in context (`kg.gate.validate`, median of 7,
after one warm-up) and the reasoning refresh (`kg.gate.refresh_all("reasonable")`: wall time and peak RSS),
skipped when the estimate (15 KB per triple, performance.md) passes --max-reasoning-gb.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
from query_mix import KINDS, Mix  # noqa: E402
from sparql_bench import free_port, percentile, tree_rss_mb  # noqa: E402

BIN = Path(sys.executable).parent
ASSERTION = HERE.parent / "tests" / "fixtures" / "assertion-ok.trig"

VALIDATE = """
import json, statistics, sys, time
from pathlib import Path
from newskg.core.config import Settings
from newskg.kg import KnowledgeGraph
from newskg.core.rdfio import parse_rdf_file
kg = KnowledgeGraph.open(Settings(store=Path(sys.argv[1]), load_seed=False))
candidate = parse_rdf_file(Path(sys.argv[2]))
kg.gate.validate(candidate)
times = []
for _ in range(7):
    t = time.perf_counter(); report = kg.gate.validate(candidate); times.append(time.perf_counter() - t)
print(json.dumps({"median_ms": statistics.median(times) * 1000, "conforms": report.conforms}))
kg.close()
"""

REASON = """
import json, resource, sys, time
from pathlib import Path
from newskg.core.config import Settings
from newskg.kg import KnowledgeGraph
kg = KnowledgeGraph.open(Settings(store=Path(sys.argv[1]), load_seed=False))
t = time.perf_counter()
found = kg.gate.refresh_all("reasonable")
seconds = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "entailments": len(found.triples), "peak_rss_mb": rss}))
kg.close()
"""


def python_json(script: str, *args: str, timeout_s: float = 3600) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve_and_query(store: Path, manifest: dict, seed: int, duration_s: float) -> dict:
    port = free_port()
    env = {**os.environ, "NEWSKG_LOAD_SEED": "false", "NEWSKG_RESULT_CACHE_BYTES": "0"}
    log = open(store.parent / f"{store.name}-serve.log", "wb")
    server = subprocess.Popen([str(BIN / "newskg"), "serve", "--store", str(store), "--port", str(port),
                               "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 600
        with httpx.Client(timeout=120) as client:
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"newskg serve exited with {server.returncode}")
                try:
                    if client.get(url, params={"query": "ASK {}"}).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("newskg serve did not start")
                time.sleep(0.05)
            headers = {"Accept": "application/sparql-results+json"}
            warm = Mix(manifest, seed + 1)
            for _ in range(3 * len(KINDS)):
                client.get(url, params={"query": warm.next()[1]}, headers=headers)
            mix, latencies, by_kind, errors = Mix(manifest, seed), [], {}, 0
            end = time.monotonic() + duration_s
            while time.monotonic() < end:
                kind, query = mix.next()
                started = time.perf_counter()
                response = client.get(url, params={"query": query}, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    errors += 1
                    continue
                latencies.append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
        return {
            "requests": len(latencies), "errors": errors,
            "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
            "by_kind_p50_ms": {k: round(percentile(v, 50), 2) for k, v in sorted(by_kind.items())},
            "server_rss_mb": tree_rss_mb(server.pid),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def grow(triples: int, seed: int, work: Path, duration_s: float, max_reasoning_gb: float) -> dict:
    path = work / f"corpus-{triples}-s{seed}.nq"
    if not path.exists():
        corpus.write_corpus(path, triples, seed)
    manifest = json.loads(Path(str(path) + ".json").read_text())
    store = work / f"growth-store-{triples}"
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "newskg"), "load", str(path), "--store", str(store), "--quiet"],
                   env={**os.environ, "NEWSKG_LOAD_SEED": "false"}, check=True)
    row = {"target": triples, "triples": manifest["triples"], "load_s": round(time.perf_counter() - started, 1)}
    row["queries"] = serve_and_query(store, manifest, seed, duration_s)
    row["validation"] = python_json(VALIDATE, str(store), str(ASSERTION))
    estimate_gb = manifest["triples"] * 15e3 / 1e9
    if estimate_gb > max_reasoning_gb:
        row["reasoning"] = {"skipped": f"estimated {estimate_gb:.0f} GB > {max_reasoning_gb:g} GB"}
    else:
        row["reasoning"] = python_json(REASON, str(store))
    shutil.rmtree(store, ignore_errors=True)
    print(json.dumps(row), file=sys.stderr)
    return row


def report(rows: list[dict]) -> str:
    lines = ["| corpus | query mix p50 | p99 | requests | server RSS | validate an assertion | reasoning refresh | reasoning peak RSS |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        q, v, z = r["queries"], r["validation"], r["reasoning"]
        reasoning = (f"{z['seconds']:.1f} s ({z['entailments']:,} entailments)", f"{z['peak_rss_mb']:,.0f} MB") \
            if "seconds" in z else (f"skipped: {z['skipped']}", "-")
        lines.append(f"| {r['triples']:,} | {q['p50_ms']} ms | {q['p99_ms']} ms | {q['requests']} | "
                     f"{q['server_rss_mb']:,.0f} MB | {v['median_ms']:.1f} ms | {reasoning[0]} | {reasoning[1]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of query mix per size")
    parser.add_argument("--max-reasoning-gb", type=float, default=16.0, help="skip reasoning past this estimate")
    parser.add_argument("--work", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows = [grow(corpus.parse_size(s), args.seed, args.work, args.duration, args.max_reasoning_gb)
            for s in args.sizes.split(",")]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = args.work / f"growth-{stamp}.json"
    out.write_text(json.dumps({"seed": args.seed, "duration_s": args.duration, "rows": rows}, indent=2))
    print(report(rows))
    print(f"\n(written to {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
