"""The write path's fixed cost: `WriteGate.validate` of a one-claim candidate and `WriteGate.submit` of a new one.

    .venv/bin/python bench/write_path_bench.py --reps 20 --warmup 3 [--sandbox] [--json out.json]

A real on-disk store in a temporary folder, holding the shipped seed (ontology, article, sources, Wikidata snapshot,
shapes: what `KnowledgeGraph.open` loads). In this process by default (no sandbox workers: what is measured is the
gate's own work), or with `--sandbox` through the worker processes as the server runs it (then the process CPU time
leaves out the workers' share: only wall time compares).

(a) `kg.gate.validate(tests/fixtures/assertion-ok.trig)`: parse, context, pySHACL (one claim, one claim graph).
(b) `kg.gate.submit` of the same claim under a new IRI each time (distinct content: never the "same content twice"
    path): parse and canonicalise, context, validation, OWL 2 RL reasoning, the write with provenance, flush.
Median (and p90) of `--reps` runs after `--warmup`, wall and process CPU time; the machine is shared and noisy, so
CPU time is the steadier figure.
(c) In one extra, untimed run of each (in-process mode only): how many terms cross between pyoxigraph and rdflib
    (`to_rdflib`, `from_rdflib`, `quads_to_dataset` calls), how often text is parsed (`pyoxigraph.parse`), and how
    often each sandbox task is called.

Issue 14 (the one-way write path), medians of 20 on the shared 2-core machine, in-process, process CPU time:
validate 52.5 / 51.2 ms before, 47.3 / 47.3 ms after; submit 129.6 / 129.0 ms before, 104.4 / 102.0 ms after
(terms converted in a submit: 1,331 to rdflib and 5,385 back before; 203 and 1,072 after, all in the sandbox's work).
With --sandbox, the server process's own CPU for a validate went from 7.2 to 3.3 ms, for a submit from 41.9 to 35.4.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OK = ROOT / "tests" / "fixtures" / "assertion-ok.trig"
CLAIM = "test-knb-arrests"


def _timed(action) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def _summary(samples: list[tuple[float, float]]) -> dict:
    def stats(values):
        values = sorted(values)
        return {"median_ms": round(statistics.median(values) * 1000, 2),
                "p90_ms": round(values[min(len(values) - 1, int(0.9 * len(values)))] * 1000, 2),
                "min_ms": round(values[0] * 1000, 2)}
    return {"n": len(samples), "wall": stats([w for w, _ in samples]), "cpu": stats([c for _, c in samples])}


def _count_conversions(action) -> dict:
    """Run `action` once with counting wrappers around the term conversions, text parses and sandbox tasks."""
    import pyoxigraph as ox

    from newskg.core import rdfio
    from newskg.sandbox import tasks

    counts: Counter = Counter()
    patched: list[tuple[object, str, object]] = []

    def wrap(owner, name, label):
        original = getattr(owner, name)

        def counting(*args, **kwargs):
            counts[label] += 1
            return original(*args, **kwargs)

        patched.append((owner, name, original))
        setattr(owner, name, counting)

    conversions = {"to_rdflib": "to_rdflib (ox→rdflib term)", "from_rdflib": "from_rdflib (rdflib→ox term)",
                   "quads_to_dataset": "quads_to_dataset (ox quads→rdflib Dataset)"}
    originals = {name: getattr(rdfio, name) for name in conversions}
    for module in [m for n, m in sorted(sys.modules.items()) if n.startswith("newskg") and m is not None]:
        for name, label in conversions.items():
            if getattr(module, name, None) is originals[name]:
                wrap(module, name, label)
    wrap(ox, "parse", "pyoxigraph.parse")
    task_functions = dict(tasks.TASKS)
    for task, function in task_functions.items():
        def counting(*args, _f=function, _t=task, **kwargs):
            counts[f"task {_t}"] += 1
            return _f(*args, **kwargs)
        tasks.TASKS[task] = counting
    try:
        action()
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
        tasks.TASKS.update(task_functions)
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--sandbox", action="store_true", help="run untrusted work in the sandbox workers")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    import pyoxigraph as ox

    from newskg.core.config import Settings
    from newskg.kg import KnowledgeGraph

    data = OK.read_bytes()
    text = data.decode()
    with tempfile.TemporaryDirectory(prefix="newskg-write-bench-") as tmp:
        started = time.perf_counter()
        kg = KnowledgeGraph.open(Settings(store=Path(tmp) / "store", write_token="bench"))
        opened = time.perf_counter() - started
        if args.sandbox:
            kg.start_query_workers()
        try:
            serial = iter(range(1_000_000))

            def validate():
                report = kg.gate.validate(data, "application/trig")
                assert report.conforms, report.to_json()

            def submit():
                fresh = text.replace(CLAIM, f"bench-{time.time_ns()}-{next(serial)}").encode()
                outcome = kg.gate.submit(fresh, ox.RdfFormat.TRIG, "token:bench")
                assert outcome.created

            figures = {"store_open_s": round(opened, 2), "sandbox": args.sandbox, "reps": args.reps,
                       "warmup": args.warmup}
            for name, action in (("validate", validate), ("submit", submit)):
                for _ in range(args.warmup):
                    action()
                figures[name] = _summary([_timed(action) for _ in range(args.reps)])
                if not args.sandbox:
                    figures[name]["counts"] = _count_conversions(action)
        finally:
            kg.close()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
