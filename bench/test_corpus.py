"""Checks of the synthetic corpus: deterministic bytes, and data that keeps the ontology's promises."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

PREFIXES = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def _generate(triples: int, seed: int, ontology: str = "auto") -> tuple[bytes, dict]:
    out = io.BytesIO()
    manifest = corpus.generate(out, triples, seed, ontology)
    return out.getvalue(), manifest


@pytest.fixture(scope="module")
def store_10k():
    data, manifest = _generate(10_000, 42)
    store = ox.Store()
    store.load(data, ox.RdfFormat.N_QUADS)
    return store, manifest


def _count(store, where: str) -> int:
    rows = list(store.query(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
    return int(rows[0]["n"].value)


def test_same_seed_gives_the_same_bytes(tmp_path):
    first = corpus.write_corpus(tmp_path / "a.nq", 10_000, 42)
    second = corpus.write_corpus(tmp_path / "b.nq", 10_000, 42)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(tmp_path / "a.nq") == digest(tmp_path / "b.nq")
    assert first["triples"] == second["triples"] >= 10_000


def test_another_seed_gives_other_bytes():
    assert _generate(10_000, 1)[0] != _generate(10_000, 2)[0]


def test_reported_count_is_the_number_of_quads(store_10k):
    store, manifest = store_10k
    assert len(store) == manifest["triples"]


def test_builtin_hierarchy_works_without_the_ontology_file():
    data, manifest = _generate(10_000, 42, "builtin")
    assert manifest["ontology"] == "builtin"
    store = ox.Store()
    store.load(data, ox.RdfFormat.N_QUADS)
    assert _count(store, "?e a/rdfs:subClassOf* nkg:Event") == manifest["events"] + manifest["withdrawn"]


def test_no_blank_nodes_in_instance_data():
    data, _ = _generate(10_000, 42, "builtin")
    assert b"_:" not in data


def test_every_quote_is_the_substring_of_its_article_body(store_10k):
    store, manifest = store_10k
    matching = _count(store, """?c a nkg:Claim ; nkg:quote ?q ; nkg:charStart ?s ; nkg:charEnd ?e ; nkg:reportedIn ?a .
        ?a schema:articleBody ?b FILTER(STR(SUBSTR(?b, ?s + 1, ?e - ?s)) = STR(?q))""")
    assert matching == manifest["claims"]


def test_every_claim_has_its_own_graph_and_metadata_in_the_default_graph(store_10k):
    store, manifest = store_10k
    assert _count(store, "?c a nkg:Claim") == manifest["claims"]
    assert _count(store, "?c a nkg:Claim FILTER NOT EXISTS { GRAPH ?c { ?s ?p ?o } }") == 0
    assert _count(store, "GRAPH ?g { ?c nkg:claimant ?a }") == 0


def test_withdrawals_come_after_the_claim(store_10k):
    store, manifest = store_10k
    assert manifest["withdrawn"] > 0
    assert _count(store, """?c nkg:status nkg:Withdrawn ; nkg:withdrawnBy ?w ; nkg:statedAt/nkg:latest ?said .
        ?w a nkg:Withdrawal ; prov:wasAssociatedWith ?who ; nkg:withdraws ?c ; nkg:occurredAt/nkg:earliest ?when
        FILTER(?when > ?said)""") == manifest["withdrawn"]


def test_figures_conflict_and_are_never_negative(store_10k):
    store, _ = store_10k
    assert _count(store, "GRAPH ?c { ?f nkg:value ?v FILTER(?v < 0) }") == 0
    conflicts = _count(store, """{ SELECT ?ev ?k ?g WHERE { GRAPH ?c { ?f nkg:figureOf ?ev ; nkg:figureKind ?k ;
        nkg:countedGroup ?g ; nkg:value ?v } } GROUP BY ?ev ?k ?g HAVING (MIN(?v) != MAX(?v)) }""")
    assert conflicts > 0
