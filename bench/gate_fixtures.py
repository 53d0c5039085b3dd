"""Shared pieces of the write-gate benchmarks: stores of a given size, and a generated ~50-triple assertion.

A store is the project's seed (ontology, article, Wikidata snapshot, shapes: `KnowledgeGraph.open` loads it), plus
optionally a synthetic corpus (bench/corpus.py) bulk-loaded with `KnowledgeGraph.load_file`. The assertion is a new
claim about resources the store already holds: it copies the references of one stored claim that has a figure
(claimant, article, quote offsets, event, counted group, period), so it is valid against the shapes in that store,
and adds its own statement date and a claim graph with three figures. The invalid variant has the same size and
three violations (a negative count, a claimant that is an event, no status).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from newskg.core.config import Settings  # noqa: E402
from newskg.kg import KnowledgeGraph  # noqa: E402

NKG = "https://w3id.org/newskg/ontology#"
ARTICLE_CLAIMS = "https://w3id.org/newskg/id/claim/"
CORPUS_CLAIMS = "https://w3id.org/newskg/id/bench/claim/"
SUBMITTER = "token:bench"


def ensure_corpus(triples: int, seed: int) -> tuple[Path, dict]:
    """The corpus file of this size and seed (generated once, reused while the ontology is unchanged)."""
    import sparql_bench

    return sparql_bench.ensure_corpus(triples, seed, "auto")


def open_store(folder: Path, corpus_file: Path | None = None, *, seed: bool = True) -> tuple[KnowledgeGraph, dict]:
    """Open (creating it) a store holding the seed and, if given, the corpus; return it and the load times.

    With seed=False an existing store is opened as it is: no seed reload (which, when a seed file changed since,
    would reload it and recompute every entailment inside the measurement).
    """
    times = {}
    started = time.perf_counter()
    kg = KnowledgeGraph.open(Settings(store=folder, load_seed=seed))
    times["open_with_seed_s"] = time.perf_counter() - started
    if corpus_file is not None and not (Path(folder) / ".corpus-loaded").exists():
        started = time.perf_counter()
        kg.load_file(corpus_file)
        times["corpus_load_s"] = time.perf_counter() - started
        (Path(folder) / ".corpus-loaded").write_text(str(corpus_file))
    return kg, times


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    now = peak = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


_REFS = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
SELECT ?c ?who ?art ?ev ?st ?en ?quote ?fev ?grp ?per ?pub ?day WHERE {{
  {values}
  ?c a nkg:Claim ; nkg:claimant ?who ; nkg:reportedIn ?art ; nkg:aboutEvent ?ev ;
     nkg:charStart ?st ; nkg:charEnd ?en ; nkg:quote ?quote ; nkg:statedAt/nkg:earliest ?day .
  ?art <http://schema.org/publisher> ?pub .
  ?fev a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* nkg:Event .
  GRAPH ?c {{ ?f a nkg:Figure ; nkg:figureOf ?fev ; nkg:countedGroup ?grp ; nkg:period ?per }}
  FILTER(STRSTARTS(STR(?c), "{prefix}"))
}} ORDER BY ?c LIMIT 1"""


def pick_refs(kg: KnowledgeGraph, prefix: str, around: int | None = None) -> dict:
    """The references of one stored claim with a figure: the article's (prefix ARTICLE_CLAIMS) or the corpus's.

    For the corpus, claims are looked up by IRI from index `around` on (no scan over all claims).
    """
    if around is None:
        rows = kg.store.query(_REFS.format(values="", prefix=prefix)).rows()
    else:
        rows = []
        for start in range(around, around + 2000, 50):
            iris = " ".join(f"<{prefix}claim-{i:08d}>" for i in range(start, start + 50))
            rows = kg.store.query(_REFS.format(values=f"VALUES ?c {{ {iris} }}", prefix=prefix)).rows()
            if rows:
                break
    if not rows:
        raise SystemExit(f"no stored claim with a figure under {prefix}")
    row = rows[0]
    refs = {k: row[k].value for k in row.keys() if row[k] is not None}
    refs["id_base"] = prefix.rsplit("claim/", 1)[0]
    return refs


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def assertion_trig(refs: dict, tag: str, *, valid: bool = True) -> bytes:
    """A new claim (16 triples), its statement date (5) and its claim graph with three figures (27): 48 triples."""
    base = refs["id_base"]
    claim = f"<{base}claim/bench-{tag}>"
    stated = f"<{base}time/bench-{tag}>"
    claimant = f"<{refs['who']}>" if valid else f"<{refs['ev']}>"
    status = "nkg:status nkg:Asserted ;" if valid else 'rdfs:comment "no status"@en ;'
    values = [12, 40, 7] if valid else [-5, 40, 7]
    figures = []
    for n, (kind, value) in enumerate(zip(("Deaths", "Injured", "Arrests"), values)):
        figures.append(f"""
    <{base}figure/bench-{tag}-{n}> a nkg:Figure ;
        rdfs:label "benchmark figure {n} of {tag}"@en ;
        nkg:figureKind nkg:{kind} ;
        nkg:figureOf <{refs['fev']}> ;
        nkg:countedGroup <{refs['grp']}> ;
        nkg:value {value} ;
        nkg:approximation nkg:About ;
        nkg:period <{refs['per']}> ;
        nkg:valueKnown true .""")
    text = f"""@prefix nkg: <{NKG}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix graspf: <http://groundedannotationframework.org/grasp/factuality#> .

{claim} a nkg:Claim ;
    rdfs:label "benchmark claim {tag}"@en ;
    nkg:claimant {claimant} ;
    nkg:relayedBy <{refs['pub']}> ;
    nkg:reportedIn <{refs['art']}> ;
    nkg:aboutEvent <{refs['ev']}> ;
    nkg:statedAt {stated} ;
    {status}
    nkg:certainty graspf:PROBABLE ; nkg:polarity graspf:POSITIVE ; nkg:tense graspf:NONFUTURE ;
    nkg:quote "{_esc(refs['quote'])}"@nl ;
    nkg:translation "A benchmark reading of the same sentence ({tag})."@en ;
    nkg:charStart "{refs['st']}"^^xsd:nonNegativeInteger ; nkg:charEnd "{refs['en']}"^^xsd:nonNegativeInteger ;
    nkg:mention <{refs['art']}#char={refs['st']},{refs['en']}> .

{stated} a nkg:TimeSpec ;
    nkg:earliest "{refs['day']}"^^xsd:date ; nkg:latest "{refs['day']}"^^xsd:date ;
    nkg:precision nkg:DayPrecision ; nkg:expression "die dag"@nl .

{claim} {{{''.join(figures)}
}}
"""
    return text.encode("utf-8")


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def cpu_note() -> str:
    return f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"


def versions() -> dict:
    """Library versions, the git HEAD and whether src/ or ontology/shapes had uncommitted changes."""
    import platform
    import subprocess
    from importlib import metadata

    out = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for dist in ("pyoxigraph", "rdflib", "pyshacl", "owlrl", "reasonable"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    git = ["git", "-C", str(HERE.parent)]
    out["git_head"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "src", "ontology", "shapes"],
                           capture_output=True, text=True).stdout.split("\n")
    out["uncommitted"] = [line[3:] for line in dirty if line.strip()]
    return out
