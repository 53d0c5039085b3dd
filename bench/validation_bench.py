"""Validation latency of a ~50-triple assertion in context, at the article's size and with a 1M-triple corpus.

    .venv/bin/python bench/validation_bench.py --triples 1m --seed 42 --reps 40

Two stores side by side in one process: (a) the seed only (ontology, the article, the Wikidata snapshot, shapes:
what `KnowledgeGraph.open` loads), (b) the seed plus the synthetic corpus of bench/corpus.py. The assertion
(bench/gate_fixtures.py: a new claim, its statement date and a claim graph with three figures, 48 triples) refers
to the article's resources in (a) and to the corpus's in (b). Timed through the real code path:
`kg.gate.validate(trig, "application/trig")` (parsing, context extraction, pySHACL), after a warm-up, with the (a) and (b) repetitions
interleaved so that noise on the 2-core machine hits both alike; the invalid variant (three violations) likewise;
then `kg.gate.submit` (validation, OWL 2 RL consistency of candidate + context, the write with provenance, flush).

The naive baseline: the candidate merged into the whole store (default graph + the content of every claim graph)
validated by the same function `newskg.writes.validation.validate` (same shapes, same pySHACL options, same query-parse
cache), so one pySHACL run over everything, in a subprocess with a time cap. (Stored claims get no claim-graph
marker there, so pySHACL flags them; like the gate, `validate` reports only the candidate's nodes.) Its parse time (N-Quads into rdflib) is reported apart from the validation time.
Writes bench/out/validation-bench-<triples>-s<seed>-<time>.json and prints the tables.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
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


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def summary(times: list[float]) -> dict:
    return {"n": len(times), "p50_ms": ms(gf.percentile(times, 50)), "p95_ms": ms(gf.percentile(times, 95)),
            "min_ms": ms(min(times)), "mean_ms": ms(statistics.fmean(times))}


class Side:
    """One store under test, with its prepared assertions."""

    def __init__(self, name: str, folder: Path, corpus_file: Path | None, prefix: str, around: int | None):
        from newskg.writes import assertions

        self.name = name
        self.kg, self.load_times = gf.open_store(folder, corpus_file)
        self.refs = gf.pick_refs(self.kg, prefix, around)
        self.valid_trig = gf.assertion_trig(self.refs, f"{name}-v")
        self.invalid_trig = gf.assertion_trig(self.refs, f"{name}-i", valid=False)
        self.valid = assertions.prepare(self.valid_trig, ox.RdfFormat.TRIG)
        self.valid_ds = self.valid_trig  # what validate() takes: the TriG as a client sends it
        self.invalid_ds = self.invalid_trig
        self.triples = sum(self.kg.store.triple_counts().values())

    def validate(self, dataset) -> tuple[float, object]:
        started = time.perf_counter()
        report = self.kg.gate.validate(dataset, "application/trig")
        return time.perf_counter() - started, report


def interleaved(sides: list[Side], reps: int, action) -> dict[str, list[float]]:
    """Run `action(side, i)` reps times per side, alternating which side goes first; return the times."""
    times: dict[str, list[float]] = {s.name: [] for s in sides}
    for i in range(reps):
        for side in (sides if i % 2 == 0 else sides[::-1]):
            times[side.name].append(action(side, i))
    return times


def profile_validation(side: Side, reps: int, path: Path) -> list[str]:
    """cProfile `reps` validations; write the stats and return the top lines by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        side.kg.gate.validate(side.valid_ds, "application/trig")
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
    path.write_text(buffer.getvalue())
    return buffer.getvalue().splitlines()


# --- the naive baseline, in a subprocess -------------------------------------------------------------------------
def baseline_child(folder: Path) -> int:
    """Parse the dumped store, merge the candidate, validate everything once; print progress as JSON lines."""
    import rdflib

    from newskg.writes import assertions
    from newskg.core.ontology import load_ontology
    from newskg.core.rdfio import to_rdflib
    from newskg.writes.validation import load_shapes, validate

    started = time.perf_counter()
    shapes, ontology = load_shapes(), load_ontology()
    claim_type = (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(gf.NKG + "Claim"))
    whole = rdflib.Graph()
    claims: set = set()
    named: dict = {}
    with open(folder / "store.nq", "rb") as f:
        for q in ox.parse(f, ox.RdfFormat.N_QUADS):
            if isinstance(q.graph_name, ox.DefaultGraph):
                whole.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
                if (q.predicate, q.object) == claim_type:
                    claims.add(q.subject)
            else:
                named.setdefault(q.graph_name, []).append(q)
    graphs = 0
    for graph, quads in named.items():
        if graph in claims:
            graphs += 1
            for q in quads:
                whole.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    named.clear()
    candidate = assertions.prepare((folder / "candidate.trig").read_bytes(), ox.RdfFormat.TRIG).dataset()
    loaded = time.perf_counter() - started
    print(json.dumps({"loaded_s": loaded, "triples": len(whole), "claim_graphs": graphs,
                      "rss_peak_mb": gf.rss_mb()[1]}), flush=True)
    started = time.perf_counter()
    report = validate(candidate, shapes, ontology=ontology, context=whole)
    print(json.dumps({"validate_s": time.perf_counter() - started, "conforms": report.conforms,
                      "results": len(report.results), "rss_peak_mb": gf.rss_mb()[1]}), flush=True)
    return 0


def run_baseline(side: Side, folder: Path, load_cap_s: float, cap_s: float) -> dict:
    """Dump side's store, run baseline_child on it with time caps; return what it reported (or the cap)."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(folder / "store.nq", "wb") as out:
        side.kg.store.dump(out, ox.RdfFormat.N_QUADS)
    (folder / "candidate.trig").write_bytes(gf.assertion_trig(side.refs, f"{side.name}-v"))
    result: dict = {"dump_s": time.perf_counter() - started, "cap_s": cap_s, "load_cap_s": load_cap_s}
    proc = subprocess.Popen([sys.executable, __file__, "--baseline-child", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    started = time.perf_counter()
    loaded_at = None
    peak = 0.0
    while proc.poll() is None:
        time.sleep(0.2)
        try:
            peak = max(peak, gf.rss_mb(proc.pid)[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
        now = time.perf_counter()
        if loaded_at is None and any("loaded_s" in line for line in lines):
            loaded_at = now
        if (loaded_at is None and now - started > load_cap_s) or (loaded_at is not None and now - loaded_at > cap_s):
            proc.kill()
            result["killed"] = "validation > cap" if loaded_at is not None else "load > cap"
            break
    proc.wait()
    reader.join(timeout=5)
    for line in lines:
        try:
            result.update(json.loads(line))
        except json.JSONDecodeError:
            pass
    result["rss_peak_mb"] = max(result.get("rss_peak_mb", 0.0), peak)
    if proc.returncode not in (0, -9):
        result["error"] = proc.stderr.read()[-2000:]
    (folder / "store.nq").unlink(missing_ok=True)
    return result


# --- the run ---------------------------------------------------------------------------------------------------
def fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def report(r: dict) -> str:
    a, b = r["sides"]["a"], r["sides"]["b"]
    lines = [
        f"validation of a {r['assertion_quads']}-quad assertion, {r['reps']} reps after {r['warmup']} warm-up "
        f"(interleaved); {r['machine']}",
        "",
        "| store | triples | context triples | validate p50 | p95 | invalid p50 | p95 | context only p50 | "
        "submit p50 | p95 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in (("(a) article", a), ("(b) article + corpus", b)):
        lines.append(
            f"| {name} | {s['triples']:,} | {s['context_triples']} | {fmt(s['validate']['p50_ms'])} ms | "
            f"{fmt(s['validate']['p95_ms'])} ms | {fmt(s['validate_invalid']['p50_ms'])} ms | "
            f"{fmt(s['validate_invalid']['p95_ms'])} ms | {fmt(s['context']['p50_ms'])} ms | "
            f"{fmt(s['submit']['p50_ms'])} ms | {fmt(s['submit']['p95_ms'])} ms |")
    lines += ["", "| whole-store pySHACL baseline | triples validated | parse into rdflib | validate | peak RSS | "
                  "speed-up of in-context p50 |", "|---|---|---|---|---|---|"]
    for name, s in (("(a)", a), ("(b)", b)):
        base = s.get("baseline") or {}
        if base.get("validate_s") is not None:
            val = f"{base['validate_s']:.1f} s"
            speed = f"{base['validate_s'] / (s['validate']['p50_ms'] / 1000):,.0f}x"
        elif base.get("killed"):
            val = f"> {base['cap_s']:.0f} s ({base['killed']})"
            speed = f"> {base['cap_s'] / (s['validate']['p50_ms'] / 1000):,.0f}x"
        else:
            val, speed = "not run", "-"
        lines.append(f"| {name} | {base.get('triples', 0):,} | {fmt(base.get('loaded_s'))} s | {val} | "
                     f"{fmt(base.get('rss_peak_mb'), 0)} MB | {speed} |")
    t = r["targets"]
    lines += [
        "",
        f"p50 (b)/(a) = {t['ratio']:.2f} (target <= 1.5: {'met' if t['ratio_met'] else 'NOT met'}); "
        f"p50 (b) = {t['p50_b_ms']:.1f} ms (target < 100 ms: {'met' if t['p50_met'] else 'NOT met'}); "
        f"submit p50 (b)/(a) = {t['submit_ratio']:.2f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=parse_size, default=1_000_000, help="corpus size for store (b)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reps", type=int, default=40, help="timed validations per store and variant")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--submit-reps", type=int, default=15)
    parser.add_argument("--baseline-cap-s", type=float, default=420.0, help="time cap of the whole-store validation")
    parser.add_argument("--baseline-load-cap-s", type=float, default=300.0, help="time cap of its parse step")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--profile", type=int, default=10, help="validations to cProfile per store (0: none)")
    parser.add_argument("--workdir", type=Path, help="where the stores go (default: a temporary folder, removed)")
    parser.add_argument("--baseline-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child:
        return baseline_child(args.baseline_child)

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    corpus_file, manifest = gf.ensure_corpus(args.triples, args.seed)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="validation-bench-"))
    machine = gf.cpu_note()
    try:
        print("opening stores ...", file=sys.stderr)
        a = Side("a", work / "a", None, gf.ARTICLE_CLAIMS, None)
        b = Side("b", work / "b", corpus_file, gf.CORPUS_CLAIMS, manifest["claims"] // 2)
        sides = [a, b]
        for side in sides:
            for ds, should in ((side.valid_ds, True), (side.invalid_ds, False)):
                conforms = side.kg.gate.validate(ds, "application/trig").conforms
                if conforms != should:
                    raise SystemExit(f"store {side.name}: the {'valid' if should else 'invalid'} assertion "
                                     f"{'does not conform' if should else 'conforms'}")
            for _ in range(args.warmup):
                side.validate(side.valid_ds)
                side.validate(side.invalid_ds)
        print(f"validating, {args.reps} reps ...", file=sys.stderr)
        valid = interleaved(sides, args.reps, lambda s, i: s.validate(s.valid_ds)[0])
        invalid = interleaved(sides, args.reps, lambda s, i: s.validate(s.invalid_ds)[0])

        from newskg.writes.context import context_nquads

        def context_time(side: Side, i: int) -> float:
            started = time.perf_counter()
            context_nquads(side.kg.store, side.valid.mentioned, side.kg.gate.ontology())
            return time.perf_counter() - started

        contexts = interleaved(sides, args.reps, context_time)

        def submit_time(side: Side, i: int) -> float:
            data = gf.assertion_trig(side.refs, f"{side.name}-submit-{stamp}-{i}")
            started = time.perf_counter()
            outcome = side.kg.gate.submit(data, ox.RdfFormat.TRIG, gf.SUBMITTER)
            elapsed = time.perf_counter() - started
            assert outcome.created, "a submit in the benchmark must store something new"
            return elapsed

        print(f"submitting, {args.submit_reps} reps ...", file=sys.stderr)
        for side in sides:  # warm-up of the write path
            side.kg.gate.submit(gf.assertion_trig(side.refs, f"{side.name}-warm-{stamp}"), ox.RdfFormat.TRIG,
                                gf.SUBMITTER)
        submits = interleaved(sides, args.submit_reps, submit_time)

        profiles = {}
        if args.profile:
            OUT.mkdir(exist_ok=True)
            for side in sides:
                path = OUT / f"validation-profile-{side.name}-{args.triples}-s{args.seed}-{stamp}.txt"
                profiles[side.name] = {"file": str(path.relative_to(HERE.parent)),
                                       "top": profile_validation(side, args.profile, path)[:45]}

        result = {
            "settings": vars(args) | {"workdir": str(work), "baseline_child": None},
            "machine": machine, "versions": gf.versions(), "time": stamp, "corpus": manifest, "reps": args.reps, "warmup": args.warmup,
            "assertion_quads": len(a.valid.quads), "sides": {}, "profiles": profiles,
        }
        for side in sides:
            context = context_nquads(side.kg.store, side.valid.mentioned, side.kg.gate.ontology()).splitlines()
            result["sides"][side.name] = {
                "triples": side.triples, "load": side.load_times, "refs": side.refs,
                "context_triples": len(context),
                "validate": summary(valid[side.name]), "validate_invalid": summary(invalid[side.name]),
                "context": summary(contexts[side.name]), "submit": summary(submits[side.name]),
                "raw_ms": {"validate": [ms(t) for t in valid[side.name]],
                           "submit": [ms(t) for t in submits[side.name]]},
            }
        if not args.no_baseline:
            for side in sides:
                print(f"baseline: whole-store pySHACL on ({side.name}) ...", file=sys.stderr)
                result["sides"][side.name]["baseline"] = run_baseline(
                    side, work / f"baseline-{side.name}", args.baseline_load_cap_s, args.baseline_cap_s)
        ra, rb = result["sides"]["a"], result["sides"]["b"]
        ratio = rb["validate"]["p50_ms"] / ra["validate"]["p50_ms"]
        result["targets"] = {
            "ratio": ratio, "ratio_met": ratio <= 1.5,
            "p50_b_ms": rb["validate"]["p50_ms"], "p50_met": rb["validate"]["p50_ms"] < 100,
            "submit_ratio": rb["submit"]["p50_ms"] / ra["submit"]["p50_ms"],
        }
        for side in sides:
            side.kg.close()
        OUT.mkdir(exist_ok=True)
        out = OUT / f"validation-bench-{args.triples}-s{args.seed}-{stamp}.json"
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(report(result))
        print(f"\nwrote {out.relative_to(HERE.parent)}", file=sys.stderr)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
