"""What the shipped seed files hold, counted by rdflib straight from graph/ (not by the store under test)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import rdflib

ROOT = Path(__file__).resolve().parents[1]
CLAIM = rdflib.URIRef("https://w3id.org/newskg/ontology#Claim")


@lru_cache(maxsize=1)
def shipped_claim_count() -> int:
    """The claims graph/*.trig and graph/sources/*.trig type in their default graphs: the article's and the other
    outlets' reports'."""
    count = 0
    for path in [*sorted((ROOT / "graph").glob("*.trig")), *sorted((ROOT / "graph" / "sources").glob("*.trig"))]:
        dataset = rdflib.Dataset()
        dataset.parse(path, format="trig")
        count += len(set(dataset.default_graph.subjects(rdflib.RDF.type, CLAIM)))
    return count
