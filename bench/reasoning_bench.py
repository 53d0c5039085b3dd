"""The cost of OWL 2 RL entailments: a full refresh at three sizes, and the scoped refresh a write does.

    .venv/bin/python bench/reasoning_bench.py --sizes article,100k,1m --seed 42

Stores: the seed only ("article"), and the seed plus the synthetic corpus of bench/corpus.py at each other size.

(i) Full refresh, `kg.gate.refresh_all(engine)` (read the default graph into rdflib, closure of ontology + data,
the inconsistency rules, replace the inferred graph), for owlrl and reasonable, each in a fresh subprocess that
reports its time and its peak RSS (VmHWM), watched from here with a time cap and a memory cap (killed and reported
as "> cap"). owlrl is not started above `--owlrl-max-triples` (73 s at 100k in the performance study and
superlinear). Where both engines run, their data-level entailments are compared: count and SHA-256 of the sorted
N-Triples (the difference is printed when they differ).

(ii) The per-write cost: one new 48-triple assertion per repetition (bench/gate_fixtures.py) against each store,
interleaved across the sizes: `kg.gate.validate` alone, then `kg.gate.submit` of the same content (validation,
OWL 2 RL consistency over candidate + context, the write with provenance and entailments, flush), and, on the same
candidate, the scoped closure itself (`stored_context` + `reasoning.entailments` over candidate + context) with each
engine. Writes bench/out/reasoning-bench-s<seed>-<time>.json and prints the tables.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402

import gate_fixtures as gf  # noqa: E402
from corpus import parse_size  # noqa: E402

OUT = HERE / "out"


def size_of(text: str) -> int:
    return 0 if text == "article" else parse_size(text)


def label(size: int) -> str:
    return "article" if size == 0 else (f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k")


# --- (i) full refresh in a subprocess ---------------------------------------------------------------------------
def refresh_child(folder: Path, engine: str, dump: Path | None) -> int:
    """Open the store, refresh all entailments with `engine`; print one JSON line."""
    from newskg.core.config import Settings
    from newskg.core.errors import InconsistencyError
    from newskg.kg import KnowledgeGraph
    from newskg.core.rdfio import from_rdflib

    kg = KnowledgeGraph.open(Settings(store=folder, load_seed=False))  # as prepared: no seed reload
    input_triples = kg.store.triple_counts().get("", 0)
    rss_before = gf.rss_mb()[0]
    started = time.perf_counter()
    out: dict = {"engine": engine, "input_triples": input_triples, "rss_before_mb": rss_before}
    try:
        found = kg.gate.refresh_all(engine)
    except InconsistencyError as exc:
        out["inconsistent"] = str(exc)
        found = None
    out["refresh_s"] = time.perf_counter() - started
    out["rss_peak_mb"] = gf.rss_mb()[1]
    if found is not None:
        lines = sorted(" ".join(str(from_rdflib(x)) for x in t) + " ." for t in found.triples)
        out.update(entailments=len(lines), sha256=hashlib.sha256("\n".join(lines).encode()).hexdigest(),
                   closure_and_checks_s=found.seconds, engine_used=found.engine,
                   inconsistencies=len(found.inconsistencies))
        if dump is not None:
            dump.write_text("\n".join(lines) + "\n")
    kg.close()
    print(json.dumps(out), flush=True)
    return 0


def run_child(args: list[str], cap_s: float, mem_cap_mb: float) -> dict:
    """Run this script with `args` in a subprocess, killing it past the caps; return its JSON line (or why not)."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines: list[str] = []
    errors: list[str] = []
    threads = [threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True),
               threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    seen_peak = 0.0
    result: dict = {"cap_s": cap_s, "mem_cap_mb": mem_cap_mb}
    while proc.poll() is None:
        time.sleep(0.2)
        try:
            seen_peak = max(seen_peak, gf.rss_mb(proc.pid)[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
        if time.perf_counter() - started > cap_s:
            result["killed"] = f"> {cap_s:.0f} s"
        elif seen_peak > mem_cap_mb:
            result["killed"] = f"RSS > {mem_cap_mb:,.0f} MB"
        if "killed" in result:
            proc.kill()
            break
    proc.wait()
    for t in threads:
        t.join(timeout=5)
    result["wall_s"] = time.perf_counter() - started
    for line in lines:
        try:
            result.update(json.loads(line))
        except json.JSONDecodeError:
            pass
    result["rss_peak_mb"] = max(result.get("rss_peak_mb", 0.0), seen_peak)
    if proc.returncode not in (0, -9):
        result["error"] = "".join(errors)[-2000:]
    return result


# --- (ii) per-write cost ----------------------------------------------------------------------------------------
def per_write(stores: dict, reps: int, warmup: int, stamp: str) -> dict:
    """Time validate, submit and the scoped closure (both engines) on fresh assertions against each store."""
    import rdflib

    from newskg.writes import assertions
    from newskg.writes.context import stored_context
    from newskg.writes.reasoning import entailments

    sides = []
    for size, (folder, manifest) in stores.items():
        kg, _ = gf.open_store(folder, seed=False)
        around = None if size == 0 else manifest["claims"] // 2
        refs = gf.pick_refs(kg, gf.ARTICLE_CLAIMS if size == 0 else gf.CORPUS_CLAIMS, around)
        sides.append((size, kg, refs))
    times = {size: {k: [] for k in ("validate", "submit", "closure_reasonable", "closure_owlrl", "context")}
             for size, _, _ in sides}
    counts = {size: {} for size, _, _ in sides}
    for i in range(-warmup, reps):
        for size, kg, refs in (sides if i % 2 == 0 else sides[::-1]):
            data = gf.assertion_trig(refs, f"w{label(size)}-{stamp}-{i}")
            candidate = assertions.prepare(data, ox.RdfFormat.TRIG).dataset()
            ontology = kg.gate.ontology()
            sample = {}
            started = time.perf_counter()
            kg.gate.validate(candidate)
            sample["validate"] = time.perf_counter() - started
            started = time.perf_counter()
            context = stored_context(kg.store, candidate, ontology)
            sample["context"] = time.perf_counter() - started
            base = rdflib.Graph()
            for triple in candidate.default_graph:
                base.add(triple)
            for triple in context.default_graph:
                base.add(triple)
            for engine in ("reasonable", "owlrl"):
                started = time.perf_counter()
                found = entailments(base, ontology, engine)
                sample[f"closure_{engine}"] = time.perf_counter() - started
                counts[size][engine] = len(found.triples)
            counts[size]["closure_input_triples"] = len(base)
            started = time.perf_counter()
            outcome = kg.gate.submit(data, ox.RdfFormat.TRIG, gf.SUBMITTER)
            sample["submit"] = time.perf_counter() - started
            assert outcome.created
            if i >= 0:
                for key, value in sample.items():
                    times[size][key].append(value)
    result = {}
    for size, kg, refs in sides:
        t = times[size]
        p50 = {k: gf.percentile(v, 50) * 1000 for k, v in t.items()}
        p95 = {k: gf.percentile(v, 95) * 1000 for k, v in t.items()}
        extra = [s - v for s, v in zip(t["submit"], t["validate"])]
        result[label(size)] = {
            "triples": sum(kg.store.triple_counts().values()), "p50_ms": p50, "p95_ms": p95,
            "submit_minus_validate_p50_ms": gf.percentile(extra, 50) * 1000,
            "mean_ms": {k: statistics.fmean(v) * 1000 for k, v in t.items()}, "counts": counts[size],
        }
        kg.close()
    return result


# --- report -----------------------------------------------------------------------------------------------------
def fmt(value, digits=1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def report(r: dict) -> str:
    lines = [f"(i) full refresh, kg.gate.refresh_all(engine), fresh process each; {r['machine']}", "",
             "| store | default-graph triples | engine | refresh | closure + checks | entailments | peak RSS | "
             "RSS added |", "|---|---|---|---|---|---|---|---|"]
    for size, runs in r["refresh"].items():
        for engine, run in runs.items():
            if run.get("not_run"):
                lines.append(f"| {size} | {fmt(r['store_triples'].get(size), 0)} | {engine} | not run: "
                             f"{run['not_run']} | | | | |")
                continue
            refresh = (f"{run['refresh_s']:.1f} s" if "refresh_s" in run
                       else f"{run.get('killed') or 'failed'}")
            added = run["rss_peak_mb"] - run["rss_before_mb"] if "rss_before_mb" in run else None
            lines.append(f"| {size} | {fmt(run.get('input_triples'), 0)} | {engine} | {refresh} | "
                         f"{fmt(run.get('closure_and_checks_s'))} s | {fmt(run.get('entailments'), 0)} | "
                         f"{fmt(run['rss_peak_mb'], 0)} MB | {fmt(added, 0)} MB |")
    lines += ["", "engines agree (data-level entailments):"]
    for size, check in r["agreement"].items():
        lines.append(f"- {size}: {check}")
    lines += ["", "(ii) per write, a new 48-triple assertion, p50 (p95) in ms", "",
              "| store | triples | validate alone | submit (validate + consistency + write) | submit - validate | "
              "scoped closure, reasonable | scoped closure, owlrl | closure input | entailments |",
              "|---|---|---|---|---|---|---|---|---|"]
    for size, w in r["per_write"].items():
        p50, p95 = w["p50_ms"], w["p95_ms"]
        lines.append(
            f"| {size} | {w['triples']:,} | {fmt(p50['validate'])} ({fmt(p95['validate'])}) | "
            f"{fmt(p50['submit'])} ({fmt(p95['submit'])}) | {fmt(w['submit_minus_validate_p50_ms'])} | "
            f"{fmt(p50['closure_reasonable'])} ({fmt(p95['closure_reasonable'])}) | "
            f"{fmt(p50['closure_owlrl'])} ({fmt(p95['closure_owlrl'])}) | "
            f"{w['counts'].get('closure_input_triples')} | {w['counts'].get('reasonable')} / "
            f"{w['counts'].get('owlrl')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="article,100k,1m", help="article (seed only) and corpus sizes")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--engines", default="owlrl,reasonable")
    parser.add_argument("--cap-s", type=float, default=300.0, help="time cap of one full refresh")
    parser.add_argument("--mem-cap-mb", type=float, default=14_000.0, help="RSS cap of one full refresh")
    parser.add_argument("--owlrl-max-triples", type=parse_size, default=100_000,
                        help="do not start owlrl's full refresh on larger corpora")
    parser.add_argument("--reps", type=int, default=15, help="per-write repetitions per store")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="where the stores go (default: a temporary folder, removed)")
    parser.add_argument("--refresh-child", nargs=3, metavar=("STORE", "ENGINE", "DUMP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refresh_child:
        folder, engine, dump = args.refresh_child
        return refresh_child(Path(folder), engine, Path(dump) if dump != "-" else None)

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    sizes = [size_of(s.strip()) for s in args.sizes.split(",")]
    engines = [e.strip() for e in args.engines.split(",")]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="reasoning-bench-"))
    result: dict = {"settings": vars(args) | {"workdir": str(work), "refresh_child": None},
                    "machine": gf.cpu_note(), "versions": gf.versions(), "time": stamp, "loads": {}, "store_triples": {}, "refresh": {},
                    "agreement": {}}
    try:
        stores = {}
        for size in sizes:
            corpus_file, manifest = (None, {}) if size == 0 else gf.ensure_corpus(size, args.seed)
            folder = work / label(size)
            kg, times = gf.open_store(folder, corpus_file)
            result["loads"][label(size)] = times | {"corpus_triples": manifest.get("triples")}
            result["store_triples"][label(size)] = kg.store.triple_counts().get("", 0)
            kg.close()
            stores[size] = (folder, manifest)

        for size in sizes:
            runs = result["refresh"][label(size)] = {}
            for engine in engines:
                if engine == "owlrl" and size > args.owlrl_max_triples:
                    runs[engine] = {"not_run": f"owlrl above {args.owlrl_max_triples:,} triples "
                                               "(--owlrl-max-triples)"}
                    continue
                print(f"full refresh: {label(size)} with {engine} ...", file=sys.stderr)
                dump = work / f"entailments-{label(size)}-{engine}.nt"
                runs[engine] = run_child(["--refresh-child", str(stores[size][0]), engine, str(dump)],
                                         args.cap_s, args.mem_cap_mb)
            done = {e: r for e, r in runs.items() if "sha256" in r}
            if len(done) >= 2:
                first, second = list(done)[:2]
                same = done[first]["sha256"] == done[second]["sha256"]
                text = (f"{first} {done[first]['entailments']:,}, {second} {done[second]['entailments']:,}: "
                        f"{'identical sets' if same else 'DIFFERENT'}")
                if not same:
                    a = set((work / f"entailments-{label(size)}-{first}.nt").read_text().splitlines())
                    b = set((work / f"entailments-{label(size)}-{second}.nt").read_text().splitlines())
                    text += (f" (only {first}: {len(a - b)}, e.g. {sorted(a - b)[:3]}; only {second}: "
                             f"{len(b - a)}, e.g. {sorted(b - a)[:3]})")
                result["agreement"][label(size)] = text
            else:
                result["agreement"][label(size)] = "not compared (only one engine ran)"
            for engine in engines:
                (work / f"entailments-{label(size)}-{engine}.nt").unlink(missing_ok=True)

        print(f"per-write cost, {args.reps} reps per store ...", file=sys.stderr)
        result["per_write"] = per_write(stores, args.reps, args.warmup, stamp)
        OUT.mkdir(exist_ok=True)
        out = OUT / f"reasoning-bench-s{args.seed}-{stamp}.json"
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(report(result))
        print(f"\nwrote {out.relative_to(HERE.parent)}", file=sys.stderr)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
