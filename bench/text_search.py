"""Full-text search benchmark (issue 13): the text index against the best REGEX / CONTAINS scan, same question.

    .venv/bin/python bench/text_search.py --triples 100k,1m --runs 50 --scan-runs 20

For each size: a seeded synthetic store of claims (nkg:quote@nl, nkg:translation@en built from a word list, a known
share of them saying "terrorist(en|s)"; distractors "terreur"/"terror" must not match), loaded with bulk_extend into
an on-disk pyoxigraph store; the index built with TextIndex.sync (time, size on disk); then, one caller in-process,
the question "claims whose quote or translation contains terrorist*" answered by TextIndex.scores (every match),
TextIndex.search (the top 20 with snippets, as /search), SPARQL with text:score, SQLite FTS5 (the fallback the issue
names, built from the same literals: unicode61 with diacritics removed; FTS5 has no Dutch stemmer) and the CONTAINS
and REGEX scans; p50/p99 latency, and a check that every way gives the same claims (the top 20: a subset of them).
Also what keeping in step costs: one claim's quote changed and the index following it (TextIndex.sync naming the
subject, as a write does), and the full comparison a start after a crash makes (a fresh TextIndex, full sync).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from newskg.search.index import TextIndex, index_folder
from newskg.stores.embedded import OxigraphStore

from newskg.search.sparql_functions import functions_for_query
from newskg.search.sparql_service import rewrite_text_search

NKG = "https://w3id.org/newskg/ontology#"
BASE = "https://w3id.org/newskg/id/bench-text/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TRIPLES_PER_CLAIM = 5  # type, quote, translation, claimant, reportedIn

NL_WORDS = ("de regering zegt dat het leger de stad heeft bezet na dagen van onrust en protest in de straten "
            "volgens de minister waren er veel slachtoffers bij de demonstraties tegen de hoge prijzen van gas "
            "president politie burgers gewonden gearresteerd verklaring nacht ochtend gebouw terreur").split()
EN_WORDS = ("the government says that the army has occupied the city after days of unrest and protest in the streets "
            "according to the minister there were many victims at the demonstrations against high gas prices "
            "president police citizens wounded arrested statement night morning building terror").split()
NL_HITS = ("terroristen", "terrorist")
EN_HITS = ("terrorists", "terrorist")

QUESTION = "terrorist*"
TOP = 20
STEMMED = "terrorist"
CONTAINS_QUERY = f"""PREFIX nkg: <{NKG}>
SELECT DISTINCT ?c WHERE {{
  ?c a nkg:Claim .
  {{ ?c nkg:quote ?t }} UNION {{ ?c nkg:translation ?t }}
  FILTER(CONTAINS(LCASE(STR(?t)), "terrorist"))
}}"""
REGEX_QUERY = f"""PREFIX nkg: <{NKG}>
SELECT DISTINCT ?c WHERE {{
  ?c a nkg:Claim .
  {{ ?c nkg:quote ?t }} UNION {{ ?c nkg:translation ?t }}
  FILTER(REGEX(?t, "terrorist", "i"))
}}"""
SERVICE_QUERY = f"""PREFIX nkg: <{NKG}>
PREFIX text: <https://w3id.org/newskg/text#>
SELECT ?c ?score WHERE {{
  SERVICE text:search {{ ?c text:query "{QUESTION}" ; text:score ?score }}
  ?c a nkg:Claim .
}} ORDER BY DESC(?score)"""
SCORE_QUERY = f"""PREFIX nkg: <{NKG}>
PREFIX text: <https://w3id.org/newskg/text#>
SELECT ?c ?score WHERE {{
  ?c a nkg:Claim .
  BIND(text:score(?c, "{QUESTION}") AS ?score)
  FILTER(BOUND(?score))
}} ORDER BY DESC(?score)"""


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def sentence(rng: random.Random, words: tuple | list, hit: str | None) -> str:
    out = [rng.choice(words) for _ in range(rng.randint(8, 16))]
    if hit:
        out.insert(rng.randrange(len(out) + 1), hit)
    return " ".join(out).capitalize() + "."


def quads(claims: int, rate: float, seed: int, expected: set[str]):
    """The synthetic claims as quads (default graph); the IRIs of the claims that mention the word go to `expected`."""
    rng = random.Random(seed)
    claim_class, quote, translation = (ox.NamedNode(NKG + n) for n in ("Claim", "quote", "translation"))
    claimant, reported_in = ox.NamedNode(NKG + "claimant"), ox.NamedNode(NKG + "reportedIn")
    actors = [ox.NamedNode(f"{BASE}actor/{i}") for i in range(max(10, claims // 50))]
    articles = [ox.NamedNode(f"{BASE}article/{i}") for i in range(max(10, claims // 10))]
    for i in range(claims):
        claim = ox.NamedNode(f"{BASE}claim/{i}")
        hit = rng.random() < rate
        if hit:
            expected.add(claim.value)
        yield ox.Quad(claim, RDF_TYPE, claim_class)
        yield ox.Quad(claim, quote, ox.Literal(sentence(rng, NL_WORDS, rng.choice(NL_HITS) if hit else None),
                                               language="nl"))
        yield ox.Quad(claim, translation, ox.Literal(sentence(rng, EN_WORDS, rng.choice(EN_HITS) if hit else None),
                                                     language="en"))
        yield ox.Quad(claim, claimant, rng.choice(actors))
        yield ox.Quad(claim, reported_in, rng.choice(articles))


def timed(fn, runs: int) -> tuple[dict, object]:
    """p50/p99/max in ms over `runs` calls after one warm-up; and the last answer."""
    answer = fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return {"runs": runs, "p50_ms": statistics.median(samples), "p99_ms": p99, "max_ms": samples[-1]}, answer


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def bench_size(triples: int, args, workdir: Path) -> dict:
    claims = max(1, triples // TRIPLES_PER_CLAIM)
    store_path = workdir / f"store-{triples}"
    expected: set[str] = set()
    start = time.perf_counter()
    wrapper = OxigraphStore(store_path)  # what KnowledgeGraph.open syncs the index from
    store = wrapper._store  # the pyoxigraph Store inside: the scans and text:score run on it directly
    store.bulk_extend(quads(claims, args.rate, args.seed, expected))
    load_s = time.perf_counter() - start
    count = len(store)
    print(f"[{triples}] loaded {count} triples ({claims} claims, {len(expected)} say the word) in {load_s:.1f} s",
          file=sys.stderr, flush=True)

    folder = index_folder(store_path)
    start = time.perf_counter()
    index = TextIndex(folder)
    docs = index.sync(wrapper)
    build_s = time.perf_counter() - start
    size = folder_bytes(folder)
    print(f"[{triples}] index: {docs} docs in {build_s:.1f} s, {size / 1e6:.1f} MB", file=sys.stderr, flush=True)

    rows = {}
    answers = {}

    def index_scores():
        return set(index.scores(QUESTION))

    rows["TextIndex.scores (every match)"], answers["TextIndex.scores (every match)"] = timed(index_scores, args.runs)

    def index_search():
        return {hit.iri for hit in index.search(QUESTION, types=["claim"], limit=TOP)}

    rows["TextIndex.search (top 20, snippets)"], answers["TextIndex.search (top 20, snippets)"] = timed(
        index_search, args.runs)
    def score_query():
        functions = functions_for_query(SCORE_QUERY, index)
        return {row["c"].value for row in store.query(SCORE_QUERY, custom_functions=functions)}

    rows["SPARQL text:score"], answers["SPARQL text:score"] = timed(score_query, args.runs)

    def service_query():
        rewritten = rewrite_text_search(SERVICE_QUERY, index)
        return {row["c"].value for row in store.query(rewritten)}

    rows["SPARQL SERVICE text:search"], answers["SPARQL SERVICE text:search"] = timed(service_query, args.runs)
    for name, sparql in (("SPARQL CONTAINS scan", CONTAINS_QUERY), ("SPARQL REGEX scan", REGEX_QUERY)):
        def scan(sparql=sparql):
            return {row["c"].value for row in store.query(sparql)}

        rows[name], answers[name] = timed(scan, args.scan_runs)
        print(f"[{triples}] {name}: p50 {rows[name]['p50_ms']:.1f} ms", file=sys.stderr, flush=True)
    fts, fts_build_s, fts_bytes = build_fts5(store, workdir / f"fts5-{triples}.sqlite")
    print(f"[{triples}] FTS5: built in {fts_build_s:.1f} s, {fts_bytes / 1e6:.1f} MB", file=sys.stderr, flush=True)

    def fts_all():
        return {row[0] for row in fts.execute("SELECT DISTINCT iri FROM texts WHERE texts MATCH ?", (QUESTION,))}

    def fts_top():
        return {row[0] for row in fts.execute(
            "SELECT iri, snippet(texts, 2, '<b>', '</b>', '...', 24) FROM texts WHERE texts MATCH ? "
            "ORDER BY bm25(texts) LIMIT ?", (QUESTION, TOP * 3))}

    rows["FTS5 (every match)"], answers["FTS5 (every match)"] = timed(fts_all, args.runs)
    rows["FTS5 (top 20, snippets)"], answers["FTS5 (top 20, snippets)"] = timed(fts_top, args.runs)

    # Dutch word forms: "terrorist" (no prefix) in the Dutch quotes must find "terroristen" too
    def index_dutch():
        return set(index.scores(STEMMED, lang="nl"))

    def fts_dutch():
        return {row[0] for row in fts.execute(
            "SELECT DISTINCT iri FROM texts WHERE texts MATCH ? AND lang = 'nl'", (STEMMED,))}

    for name, fn in ((f"TextIndex.scores nl {STEMMED!r} (Dutch stemmer)", index_dutch),
                     (f"FTS5 nl {STEMMED!r} (porter: no Dutch stemmer)", fts_dutch)):
        rows[name], answers[name] = timed(fn, args.runs)
    fts.close()
    for name, answer in answers.items():
        rows[name]["answers"] = len(answer)
        if "top 20" in name:
            rows[name]["same_as_expected"] = answer <= expected and len(answer) >= min(TOP, len(expected))
        else:
            rows[name]["same_as_expected"] = answer == expected
    best_scan = min(rows[n]["p50_ms"] for n in rows if "scan" in n)
    for row in rows.values():
        row["speedup_vs_best_scan_p50"] = best_scan / row["p50_ms"]
    follow_ms = follow_one_write(wrapper, index, claims)
    index.close()
    start = time.perf_counter()
    after_crash = TextIndex(folder)  # what a start after a crash does: compare every literal with the store
    after_crash.sync(wrapper)
    full_s = time.perf_counter() - start
    after_crash.close()
    print(f"[{triples}] one write followed: {follow_ms['p50_ms']:.1f} ms p50; full comparison {full_s:.1f} s",
          file=sys.stderr, flush=True)
    wrapper.close()
    store = None  # the last reference to the pyoxigraph Store: its lock goes with it, and the server can open it
    gc.collect()
    http = bench_http(store_path, args) if args.http else None
    if http:
        best = http["rows"]["HTTP SPARQL CONTAINS scan"][0]["p50_ms"]
        for name, (row, answer) in http["rows"].items():
            row["answers"] = len(answer)
            row["same_as_expected"] = answer <= expected if "top 20" in name else answer == expected
            row["speedup_vs_best_scan_p50"] = best / row["p50_ms"]
            rows[name] = row
    return {"triples": count, "claims": claims, "expected": len(expected), "load_s": load_s, "index_docs": docs,
            "index_build_s": build_s, "index_bytes": size, "fts5_build_s": fts_build_s, "fts5_bytes": fts_bytes,
            "follow_one_write": follow_ms, "full_comparison_s": full_s, "rows": rows}


def bench_http(store_path: Path, args) -> dict:
    """The same question over HTTP, one keep-alive connection: `newskg serve` on the bench's store (no seed data;
    the index beside it is in step, so the start scans nothing), GET /search and the SPARQL endpoint."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    newskg = Path(sys.executable).with_name("newskg")
    log = open(store_path.parent / "serve.log", "wb")
    started = time.perf_counter()
    server = subprocess.Popen([str(newskg), "serve", "--store", str(store_path), "--host", "127.0.0.1", "--port",
                               str(port), "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "NEWSKG_LOAD_SEED": "false", "NEWSKG_RESULT_CACHE_BYTES": "0"},
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    rows = {}
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - started > 300 or server.poll() is not None:
                    raise RuntimeError("newskg serve did not come up; see serve.log")
                time.sleep(0.2)
            ready_s = time.perf_counter() - started

            def search():
                answer = client.get("/search", params={"q": QUESTION, "type": "claim", "limit": TOP})
                answer.raise_for_status()
                return {hit["iri"] for hit in answer.json()["hits"]}

            def sparql(query):
                answer = client.post("/sparql", data={"query": query},
                                     headers={"Accept": "application/sparql-results+json"})
                answer.raise_for_status()
                return {row["c"]["value"] for row in answer.json()["results"]["bindings"]}

            rows["HTTP GET /search (top 20, snippets)"] = timed(search, args.runs)
            rows["HTTP SPARQL SERVICE text:search"] = timed(lambda: sparql(SERVICE_QUERY), args.runs)
            rows["HTTP SPARQL CONTAINS scan"] = timed(lambda: sparql(CONTAINS_QUERY), args.scan_runs)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        log.close()
    return {"ready_s": ready_s, "rows": rows}


def follow_one_write(wrapper, index, claims: int, runs: int = 20) -> dict:
    """p50/p99 of: change one claim's quote in the store, then TextIndex.sync naming that claim (as a write does)."""
    rng = random.Random(7)
    samples = []
    for i in range(runs):
        claim = f"{BASE}claim/{rng.randrange(claims)}"
        wrapper.update(f'DELETE {{ <{claim}> <{NKG}quote> ?q }} INSERT {{ <{claim}> <{NKG}quote> "herschreven {i}"@nl }} '
                       f'WHERE {{ <{claim}> <{NKG}quote> ?q }}')
        start = time.perf_counter()
        changed = index.sync(wrapper, subjects={claim})
        samples.append((time.perf_counter() - start) * 1000)
        assert changed == 2, changed  # the old quote out, the new one in
    samples.sort()
    return {"runs": runs, "p50_ms": statistics.median(samples), "p99_ms": samples[-1]}


def build_fts5(store, path: Path) -> tuple[sqlite3.Connection, float, int]:
    """SQLite FTS5 over the same literals (quote and translation, with the claim IRI), as the fallback would be."""
    start = time.perf_counter()
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE texts USING fts5(iri UNINDEXED, lang UNINDEXED, text, "
               "tokenize='porter unicode61 remove_diacritics 2')")
    rows = ((row["c"].value, row["t"].language, row["t"].value) for row in store.query(
        f"SELECT ?c ?t WHERE {{ ?c a <{NKG}Claim> {{ ?c <{NKG}quote> ?t }} UNION {{ ?c <{NKG}translation> ?t }} }}"))
    db.executemany("INSERT INTO texts (iri, lang, text) VALUES (?, ?, ?)", rows)
    db.commit()
    return db, time.perf_counter() - start, path.stat().st_size


def table(results: list[dict]) -> str:
    lines = ["| triples | way | p50 ms | p99 ms | runs | answers (all correct) | speed-up vs best scan (p50) |",
             "|---:|---|---:|---:|---:|---|---:|"]
    for result in results:
        for name, row in result["rows"].items():
            lines.append(f"| {result['triples']:,} | {name} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                         f"{row['runs']} | {row['answers']} ({'yes' if row['same_as_expected'] else 'NO'}) | "
                         f"{row['speedup_vs_best_scan_p50']:.0f}x |")
    lines += ["", "| triples | claims | index docs | index build s | index MB | FTS5 build s | FTS5 MB | store load s | "
              "one write followed p50/p99 ms | full comparison s |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        w = r["follow_one_write"]
        lines.append(f"| {r['triples']:,} | {r['claims']:,} | {r['index_docs']:,} | {r['index_build_s']:.1f} | "
                     f"{r['index_bytes'] / 1e6:.1f} | {r['fts5_build_s']:.1f} | {r['fts5_bytes'] / 1e6:.1f} | "
                     f"{r['load_s']:.1f} | {w['p50_ms']:.1f} / {w['p99_ms']:.1f} | {r['full_comparison_s']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", default="100k,1m", help="comma-separated sizes (10k, 100k, 1m, 10m)")
    parser.add_argument("--rate", type=float, default=0.002, help="share of claims saying the word")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=50, help="timed runs of the indexed ways")
    parser.add_argument("--scan-runs", type=int, default=20, help="timed runs of each scan")
    parser.add_argument("--http", action="store_true", help="also over HTTP: newskg serve on each store, one connection")
    parser.add_argument("--workdir", type=Path, default=None, help="where the stores go (default: a temp folder)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newskg-text-bench-"))
    results = []
    try:
        for size in args.triples.split(","):
            results.append(bench_size(parse_size(size), args, workdir))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(results))
    print(f"\npython {platform.python_version()}, pyoxigraph {ox.__version__}, {platform.machine()}, "
          f"question {QUESTION!r}, rate {args.rate}, seed {args.seed}")
    if args.out:
        args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "results": results},
                                       indent=2))


if __name__ == "__main__":
    main()
