"""The text index beside an on-disk store: analysis, queries, and staying in step with the store through the gate."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newskg.config import Settings
from newskg.errors import BadRequestError
from newskg.kg import KnowledgeGraph
from newskg.search import MAX_LIMIT, MAX_QUERY_CHARS, TextIndex, index_folder
from newskg.sparql.formats import format_for_path

ROOT = Path(__file__).resolve().parents[2]
CLAIM_04 = "https://w3id.org/newskg/id/claim/nunl-6177422-04"
TEST_CLAIM = "https://w3id.org/newskg/id/claim/test-knb-arrests"
OK = (ROOT / "tests" / "fixtures" / "assertion-ok.trig").read_bytes()
# Words the shipped data does not hold, so only the claim added in a test can match them.
NEW_CLAIM = OK.replace(b'rdfs:label "test claim: KNB on the arrests"@en',
                       b'rdfs:label "test claim: the zeppelin builders"@en, "testbewering: de zeppelinbouwers"@nl')


def _iris(hits) -> set[str]:
    return {hit.iri for hit in hits}


def test_dutch_stemming_finds_terroristen_and_english_finds_terrorists(kg):
    dutch = kg.text_index.search("terrorist", lang="nl")
    quote = next(h for h in dutch if h.iri == CLAIM_04 and h.field == "quote")
    assert quote.type == "claim" and quote.lang == "nl" and quote.score > 0
    assert "&quot;<b>terroristen</b> en bandieten&quot;" in quote.snippet  # escaped text, the word highlighted
    english = kg.text_index.search("terrorist", lang="en")
    translation = next(h for h in english if h.iri == CLAIM_04 and h.field == "translation")
    assert translation.lang == "en" and "<b>terrorists</b>" in translation.snippet
    assert all(h.lang == "en" for h in english) and all(h.lang == "nl" for h in dutch)


def test_accents_are_folded(kg):
    hits = kg.text_index.search("oekraine", lang="nl")
    assert any(h.type == "place" and "<b>Oekraïne</b>" in h.snippet for h in hits)


def test_phrase_and_prefix_queries(kg):
    phrase = kg.text_index.search('"terroristen en bandieten"', lang="nl", types=["claim"])
    assert _iris(phrase) == {CLAIM_04}
    assert kg.text_index.search('"bandieten en terroristen"', lang="nl") == []
    prefix = kg.text_index.search("terroris*", lang="nl", types=["claim"])
    assert CLAIM_04 in _iris(prefix)
    assert any("<b>terroristen</b>" in h.snippet for h in prefix)
    assert kg.text_index.search("terroris", lang="nl") == []  # no stem "terroris": the match came from the prefix


def test_types_filter(kg):
    every = kg.text_index.search("terrorist", lang="nl")
    assert {"claim", "group", "article"} <= {h.type for h in every}
    claims = kg.text_index.search("terrorist", lang="nl", types=["claim"])
    assert claims and {h.type for h in claims} == {"claim"}
    assert {h.type for h in kg.text_index.search("terrorist", lang="nl", types=["group", "article"])} == {
        "group", "article"}
    assert kg.text_index.search("Tokayev", types=["actor"])[0].type == "actor"  # nkg:Person via rdfs:subClassOf*


def test_bad_queries_are_400(kg):
    for bad in ("terroristen AND (", "nofield:terroristen", " ", "x" * (MAX_QUERY_CHARS + 1)):
        with pytest.raises(BadRequestError):
            kg.text_index.search(bad)
    with pytest.raises(BadRequestError):
        kg.text_index.search("terrorist", lang="de")
    with pytest.raises(BadRequestError):
        kg.text_index.search("terrorist", types=["tweet"])
    assert len(kg.text_index.search("de", limit=10 * MAX_LIMIT)) <= MAX_LIMIT


def test_a_claim_added_through_the_gate_is_found_at_once_and_not_after_retraction(kg):
    assert kg.text_index.search("zeppelinbouwers", lang="nl") == []
    outcome = kg.gate.submit(NEW_CLAIM, format_for_path(Path("a.trig")), "tester")
    assert _iris(kg.text_index.search("zeppelinbouwer", lang="nl")) == {TEST_CLAIM}
    assert _iris(kg.text_index.search("zeppelin builder", lang="en", types=["claim"])) == {TEST_CLAIM}
    kg.gate.retract(outcome.record.assertion_id, "tester")
    assert kg.text_index.search("zeppelinbouwers", lang="nl") == []
    assert kg.text_index.search("zeppelin builders", lang="en") == []


def test_the_index_is_a_sibling_of_the_store_and_reopening_changes_nothing(settings):
    kg = KnowledgeGraph.open(settings)
    try:
        count = len(kg.text_index)
        assert count > 500 and kg.text_index.folder == index_folder(Path(settings.store))
        assert kg.text_index.folder == Path(settings.store).parent / ".store.text"
    finally:
        kg.close()
    kg = KnowledgeGraph.open(settings)
    try:
        assert len(kg.text_index) == count and kg.text_index.sync(kg.store) == 0
    finally:
        kg.close()


def test_a_read_only_view_sees_the_writers_commits(kg):
    reader = TextIndex(kg.text_index.folder, read_only=True)
    try:
        assert reader.search("zeppelinbouwers") == []
        kg.gate.submit(NEW_CLAIM, format_for_path(Path("a.trig")), "tester")
        assert _iris(reader.search("zeppelinbouwers")) == {TEST_CLAIM}
    finally:
        reader.close()


def test_a_write_killed_before_the_index_update_is_repaired_at_the_next_open(settings, tmp_path):
    KnowledgeGraph.open(settings).close()  # the store and its index, in step
    # A child process writes the claim to the store as a crash after the store write would leave it: the store has
    # it (flushed), the index does not, and the process dies by SIGKILL without closing anything.
    child = textwrap.dedent(f"""
        import os, signal, pyoxigraph as ox
        store = ox.Store({str(settings.store)!r})
        store.load({NEW_CLAIM!r}, ox.RdfFormat.TRIG)
        store.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", child], cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr
    reader = TextIndex(index_folder(Path(settings.store)), read_only=True)
    try:
        assert reader.search("zeppelinbouwers") == []  # the index missed the write
    finally:
        reader.close()
    kg = KnowledgeGraph.open(settings)
    try:
        assert _iris(kg.text_index.search("zeppelinbouwers", lang="nl")) == {TEST_CLAIM}
    finally:
        kg.close()


def test_a_killed_writer_leaves_the_index_usable(settings, tmp_path):
    """SIGKILL while the server holds the index writer: the next open takes the writer again and is in step."""
    child = textwrap.dedent(f"""
        import os, signal
        from newskg.config import Settings
        from newskg.kg import KnowledgeGraph
        kg = KnowledgeGraph.open(Settings(store={str(settings.store)!r}))
        kg.store.update('INSERT DATA {{ <urn:x:s> <http://www.w3.org/2000/01/rdf-schema#label> "luchtschipbouwers"@nl }}')
        kg.store.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", child], cwd=tmp_path, capture_output=True, timeout=120, env=env)
    assert done.returncode == -9, done.stderr
    kg = KnowledgeGraph.open(settings)
    try:
        (hit,) = kg.text_index.search("luchtschipbouwers")
        assert (hit.iri, hit.type, hit.field) == ("urn:x:s", "other", "label")
    finally:
        kg.close()


def test_an_in_memory_store_has_no_text_index(settings):
    from newskg.store import OxigraphStore

    kg = KnowledgeGraph.open(settings, store=OxigraphStore())
    try:
        assert kg.text_index is None
    finally:
        kg.close()


def test_index_rebuild_command_prints_the_count(settings, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("NEWSKG_STORE", None)
    folder = index_folder(Path(settings.store))
    run = [sys.executable, "-m", "newskg.cli", "--store", str(settings.store), "index", "rebuild"]
    first = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert first.returncode == 0, first.stderr
    count = int(first.stdout.split()[0])
    assert count > 500 and folder.is_dir()
    (folder / "stray").write_text("not part of a rebuilt index")
    second = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert second.returncode == 0 and int(second.stdout.split()[0]) == count
    assert not (folder / "stray").exists()
    kg = KnowledgeGraph.open(Settings(store=settings.store))
    try:
        assert CLAIM_04 in _iris(kg.text_index.search("terrorist", lang="nl"))
    finally:
        kg.close()


def test_a_sync_for_named_subjects_looks_only_at_their_text(kg):
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    kg.store.update(f'INSERT DATA {{ <urn:x:a> <{label}> "luchtschip a"@nl . <urn:x:b> <{label}> "luchtschip b"@nl }}')
    assert kg.text_index.sync(kg.store, subjects={"urn:x:a"}) == 1
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:a"}
    kg.store.update(f'DELETE DATA {{ <urn:x:a> <{label}> "luchtschip a"@nl }}')
    assert kg.text_index.sync(kg.store, subjects={"urn:x:a"}) == 1
    assert kg.text_index.search("luchtschip") == []
    assert kg.text_index.sync(kg.store) == 1  # a full sync finds what the hint left out
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:b"}
