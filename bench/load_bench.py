"""Bulk-load speed and peak memory: `newskg load` against pyoxigraph's `Store.bulk_load` called directly.

    python bench/load_bench.py --sizes 10k,100k,1m,10m --seed 42

For each size the seeded corpus (bench/corpus.py, N-Quads) is generated unless it exists, then loaded into a fresh
on-disk store twice, each load in its own process: `newskg load FILE --store DIR --quiet` (with
NEWSKG_LOAD_SEED=false, so only the corpus is loaded) and a three-line script calling
`pyoxigraph.Store(DIR).bulk_load(path=FILE, format=N_QUADS)`. Reported: wall time, triples per second, the peak
resident memory of the loading process (ru_maxrss from wait4) and the store's size on disk. Corpora of 10m and
more are deleted after their run unless --keep is given (1.7 GB).
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

DIRECT = (
    "import sys, pyoxigraph as ox\n"
    "store = ox.Store(sys.argv[1])\n"
    "store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)\n"
    "store.flush()\n"
)


def run_measured(command: list[str], env: dict) -> tuple[float, float]:
    """Run a command; its wall time in seconds and peak RSS in MB (the process's own maximum, from wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{command[:3]} exited with {code}: {process.stderr.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def bench_size(triples: int, seed: int, work: Path, keep: bool) -> dict:
    path = work / f"corpus-{triples}-s{seed}.nq"
    if not path.exists():
        started = time.perf_counter()
        corpus.write_corpus(path, triples, seed)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    exact = manifest["triples"]
    result = {"target": triples, "triples": exact, "file_mb": round(path.stat().st_size / 1e6, 1)}
    env = {**os.environ, "NEWSKG_LOAD_SEED": "false"}
    runs = {
        "newskg load": [str(Path(sys.executable).with_name("newskg")), "load", str(path), "--store", "{store}", "--quiet"],
        "pyoxigraph bulk_load": [sys.executable, "-c", DIRECT, "{store}", str(path)],
    }
    for name, template in runs.items():
        store = work / f"store-{name.split()[0]}-{triples}"
        shutil.rmtree(store, ignore_errors=True)
        command = [part.replace("{store}", str(store)) for part in template]
        wall, rss = run_measured(command, env)
        result[name] = {"seconds": round(wall, 2), "triples_per_s": round(exact / wall), "peak_rss_mb": round(rss),
                        "store_mb": round(folder_mb(store), 1)}
        print(f"{exact:>10} {name:<22} {wall:8.1f} s {exact / wall:>10,.0f} triples/s  peak RSS {rss:6.0f} MB",
              file=sys.stderr)
        shutil.rmtree(store, ignore_errors=True)
    if triples >= 10_000_000 and not keep:
        path.unlink()
    return result


def report(results: list[dict]) -> str:
    lines = ["| corpus | file | `newskg load` | triples/s | peak RSS | `Store.bulk_load` | triples/s | peak RSS | store on disk |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        a, b = r["newskg load"], r["pyoxigraph bulk_load"]
        lines.append(
            f"| {r['triples']:,} | {r['file_mb']:,} MB | {a['seconds']} s | {a['triples_per_s']:,} | {a['peak_rss_mb']} MB "
            f"| {b['seconds']} s | {b['triples_per_s']:,} | {b['peak_rss_mb']} MB | {b['store_mb']:,} MB |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated corpus sizes (10k, 100k, 1m, 10m)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=HERE / "out", help="folder for corpora and stores")
    parser.add_argument("--keep", action="store_true", help="keep corpora of 10m and more")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = [bench_size(corpus.parse_size(s), args.seed, args.work, args.keep) for s in args.sizes.split(",")]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = args.work / f"load-bench-{stamp}.json"
    out.write_text(json.dumps({"seed": args.seed, "results": results}, indent=2))
    print(report(results))
    print(f"\n(written to {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
