"""Seed files over a real on-disk store: a changed, removed or renamed file replaces exactly what it put in."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from newskg.core.config import Settings
from newskg.core.errors import RdfSyntaxError
from newskg.kg import KnowledgeGraph
from newskg.writes.seeds import seed_files, seed_key
from newskg.sparql.formats import format_for_path
from newskg_test_servers import ROOT

OUTLET = "https://w3id.org/newskg/id/actor/test-seed-outlet"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SOURCE = """@prefix nkg: <https://w3id.org/newskg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{outlet}> a nkg:NewsOrganisation ;
    rdfs:label {labels} .
"""


def _source(*labels: str) -> str:
    return SOURCE.format(outlet=OUTLET, labels=", ".join(f'"{label}"@en' for label in labels))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's seed files, with a planted outlet in graph/zz-test.trig."""
    folder = tmp_path / "project"
    seeds = [ROOT / "ontology" / "newskg.ttl", *sorted(ROOT.glob("graph/*.trig")), *sorted(ROOT.glob("shapes/*.ttl"))]
    for path in seeds:
        copy = folder / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    (folder / "graph" / "sources").mkdir(parents=True)
    (folder / "graph" / "zz-test.trig").write_text(_source("Test outlet"))
    return folder


@pytest.fixture
def settings(tmp_path: Path, project: Path) -> Settings:
    return Settings(store=tmp_path / "store", project_dir=project, write_token="test-token")


def _reopen(settings: Settings) -> KnowledgeGraph:
    return KnowledgeGraph.open(settings)


def _labels(kg: KnowledgeGraph, subject: str = OUTLET) -> list[str]:
    rows = kg.query(f"SELECT ?l WHERE {{ <{subject}> <{LABEL}> ?l }}").rows()
    return sorted(row["l"].value for row in rows)


def _total(kg: KnowledgeGraph) -> int:
    return sum(kg.store.triple_counts().values())


def test_per_source_files_are_seed_files_after_the_instance_graphs(project):
    (project / "graph" / "sources" / "test-outlet.trig").write_text(_source("Test outlet"))
    names = [seed.path.relative_to(project).as_posix() for seed in seed_files(project)]
    assert names.index("graph/sources/test-outlet.trig") > names.index("graph/zz-test.trig")
    assert names.index("graph/sources/test-outlet.trig") < names.index("shapes/newskg.shapes.ttl")


def test_a_per_source_file_is_loaded_and_its_edit_replaces_it(settings, project):
    (project / "graph" / "zz-test.trig").unlink()
    (project / "graph" / "sources" / "test-outlet.trig").write_text(_source("Test outlet"))
    kg = _reopen(settings)
    assert _labels(kg) == ["Test outlet"]
    kg.close()
    (project / "graph" / "sources" / "test-outlet.trig").write_text(_source("Edited outlet"))
    kg = _reopen(settings)
    try:
        assert _labels(kg) == ["Edited outlet"]
    finally:
        kg.close()


def test_an_edited_label_replaces_the_old_one(settings, project):
    kg = _reopen(settings)
    assert _labels(kg) == ["Test outlet"]
    kg.close()
    (project / "graph" / "zz-test.trig").write_text(_source("Renamed outlet"))
    kg = _reopen(settings)
    try:
        assert _labels(kg) == ["Renamed outlet"]
    finally:
        kg.close()


def test_an_unchanged_restart_loads_nothing_and_changes_nothing(settings):
    kg = _reopen(settings)
    before = kg.store.triple_counts()
    kg.close()
    kg = _reopen(settings)
    try:
        assert kg.load_seed() == []
        assert kg.store.triple_counts() == before
    finally:
        kg.close()


def test_a_removed_file_takes_its_triples_with_it(settings, project):
    kg = _reopen(settings)
    total = _total(kg)
    kg.close()
    (project / "graph" / "zz-test.trig").unlink()
    kg = _reopen(settings)
    try:
        assert _labels(kg) == []
        assert kg.query(f"ASK {{ <{OUTLET}> ?p ?o }}").boolean is False
        assert _total(kg) < total
    finally:
        kg.close()


def test_a_renamed_file_keeps_shared_triples_and_drops_the_rest(settings, project):
    sources = project / "graph"
    (sources / "zz-other.trig").write_text(_source("Shared label"))  # another file holds one of the same triples
    (sources / "zz-test.trig").write_text(_source("Test outlet", "Shared label", "Dropped label"))
    kg = _reopen(settings)
    assert _labels(kg) == ["Dropped label", "Shared label", "Test outlet"]
    kg.close()
    (sources / "zz-test.trig").unlink()
    (sources / "zz-renamed.trig").write_text(_source("Test outlet", "New label"))
    (sources / "zz-other.trig").write_text(_source("Shared label"))
    kg = _reopen(settings)
    try:
        assert _labels(kg) == ["New label", "Shared label", "Test outlet"]
        assert kg.query(f"ASK {{ <{OUTLET}> a <https://w3id.org/newskg/ontology#NewsOrganisation> }}").boolean
    finally:
        kg.close()
    (sources / "zz-other.trig").unlink()  # the file that shared the label goes: the label goes with it
    kg = _reopen(settings)
    try:
        assert _labels(kg) == ["New label", "Test outlet"]
    finally:
        kg.close()


def test_a_triple_an_assertion_holds_survives_the_seed_edit_that_drops_it(settings, project):
    kg = _reopen(settings)
    try:
        asserted = f'<{OUTLET}> <{LABEL}> "Test outlet"@en .\n'.encode()
        outcome = kg.gate.submit(asserted, ox.RdfFormat.N_TRIPLES, "token:test")
        assert outcome.created
    finally:
        kg.close()
    (project / "graph" / "zz-test.trig").write_text(_source("Another label"))
    kg = _reopen(settings)
    try:
        assert _labels(kg) == ["Another label", "Test outlet"]
    finally:
        kg.close()


def test_an_edited_shape_replaces_its_blank_node_property_shapes(settings, project):
    kg = _reopen(settings)
    shapes = "https://w3id.org/newskg/graph/shapes"
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{shapes}> {{ ?s ?p ?o }} }}"
    before = int(kg.query(count).rows()[0]["n"].value)
    kg.close()
    path = project / "shapes" / "newskg.shapes.ttl"
    path.write_text(path.read_text() + "\n# an edit that changes the file, not its triples\n")
    kg = _reopen(settings)
    try:
        assert int(kg.query(count).rows()[0]["n"].value) == before
        blank = f"ASK {{ GRAPH <{shapes}> {{ ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }} }}"
        assert kg.query(blank).boolean is False
    finally:
        kg.close()


def test_a_broken_edit_writes_nothing(settings, project):
    kg = _reopen(settings)
    before = kg.store.triple_counts()
    kg.close()
    sources = project / "graph"
    (sources / "zz-test.trig").write_text(_source("Edited before the broken file"))
    (sources / "zz-broken.trig").write_text("<urn:a> <urn:b> .\n")
    with pytest.raises(RdfSyntaxError):
        _reopen(settings)
    (sources / "zz-broken.trig").unlink()
    kg = KnowledgeGraph.open(settings.model_copy(update={"load_seed": False}))
    try:
        assert kg.store.triple_counts() == before
        assert _labels(kg) == ["Test outlet"]
    finally:
        kg.close()


def test_a_store_seeded_before_contents_were_recorded_is_taken_over(settings, project, tmp_path):
    """A store an older newskg seeded (a hash per file, blank nodes as loaded): its shapes are not doubled."""
    old = KnowledgeGraph.open(settings.model_copy(update={"load_seed": False}))
    for seed in seed_files(project):
        old.store.load(seed.path.read_bytes(), format_for_path(seed.path), graph=seed.graph)
        digest = hashlib.sha256(seed.path.read_bytes()).hexdigest()
        old.store.update(f'INSERT DATA {{ GRAPH <https://w3id.org/newskg/graph/system> {{ <{seed_key(project, seed)}> '
                         f'<https://w3id.org/newskg/ontology#sha256> "{digest}" }} }}')
    old.close()
    fresh = KnowledgeGraph.open(settings.model_copy(update={"store": tmp_path / "fresh"}))
    expected = fresh.store.triple_counts()
    fresh.close()
    kg = _reopen(settings)
    try:
        assert kg.store.triple_counts() == expected
    finally:
        kg.close()
