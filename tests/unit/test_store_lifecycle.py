"""The store on disk: seeding once, persistence across reopen, transactional loads."""

import pytest

from newskg.core.errors import RdfSyntaxError
from newskg.kg import KnowledgeGraph


def _total(kg):
    return sum(kg.store.triple_counts().values())


def test_reopening_reuses_the_store_without_loading_twice(settings):
    first = KnowledgeGraph.open(settings)
    count = _total(first)
    first.store.update('INSERT DATA { <urn:x:kept> <urn:x:p> "survives a restart" }')
    first.close()

    second = KnowledgeGraph.open(settings)
    try:
        assert second.load_seed() == []
        assert _total(second) == count + 1
        rows = second.query("SELECT ?o WHERE { <urn:x:kept> <urn:x:p> ?o }").rows()
        assert rows[0]["o"].value == "survives a restart"
    finally:
        second.close()


def test_first_open_loads_every_seed_file(settings):
    kg = KnowledgeGraph.open(settings.model_copy(update={"load_seed": False}))
    try:
        loaded = {p.name for p in kg.load_seed()}
        assert {"newskg.ttl", "nunl-6177422.trig", "wikidata-snapshot.trig", "newskg.shapes.ttl"} <= loaded
    finally:
        kg.close()


def test_a_broken_file_writes_nothing(kg, tmp_path):
    before = _total(kg)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> <urn:c> .\n<urn:d> <urn:e> .\n")
    with pytest.raises(RdfSyntaxError) as info:
        kg.store.load(bad.read_bytes(), __import__("pyoxigraph").RdfFormat.TURTLE)
    assert info.value.line == 2
    assert _total(kg) == before
