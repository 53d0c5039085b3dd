"""The text index beside an on-disk store: analysis, queries, and staying in step with the store through the gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newskg.core.config import Settings
from newskg.core.errors import BadRequestError
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
    claim = next(h for h in dutch if h.iri == CLAIM_04)
    assert claim.type == "claim" and claim.lang == "nl" and claim.score > 0
    assert "<b>terroristen</b> en bandieten" in claim.snippet
    body = next(h for h in dutch if h.field == "body")  # the article's text, escaped around the highlight
    assert "&quot;" in body.snippet and '"' not in body.snippet.replace("<b>", "").replace("</b>", "")
    english = kg.text_index.search("terrorist", lang="en")
    translation = next(h for h in english if h.iri == CLAIM_04)
    assert translation.lang == "en" and "<b>terrorists</b>" in translation.snippet
    assert all(h.lang == "en" for h in english) and all(h.lang == "nl" for h in dutch)


def test_one_hit_per_subject_its_best_literal_and_the_limit_counts_subjects(kg):
    every = kg.text_index.search("terrorist", limit=1000)
    assert len({h.iri for h in every}) == len(every)  # the claim's label, quote and translation all match: once
    top = kg.text_index.search("terrorist", limit=3)
    assert [h.iri for h in top] == [h.iri for h in every[:3]] and len(top) == 3
    # each subject's hit is its best-scoring literal: the scores text:score sees, subject by subject
    scored = kg.text_index.scores("terrorist")
    assert {h.iri: h.score for h in every} == pytest.approx(scored)


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
    # A child process writes the claim through the store as the service does, and dies by SIGKILL after the store
    # write and before the index update: the store has it (flushed), the index does not.
    child = textwrap.dedent(f"""
        import os, signal
        import pyoxigraph as ox
        from newskg.core.config import Settings
        from newskg.kg import KnowledgeGraph
        kg = KnowledgeGraph.open(Settings(store={str(settings.store)!r}))
        kg.store.load({NEW_CLAIM!r}, ox.RdfFormat.TRIG)
        kg.store.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", child], cwd=tmp_path, capture_output=True, timeout=120, env=env)
    assert done.returncode == -9, done.stderr
    folder = index_folder(Path(settings.store))
    assert (folder / "pending-writes").exists()  # the write left its mark before it reached the store
    reader = TextIndex(folder, read_only=True)
    try:
        assert reader.search("zeppelinbouwers") == []  # the index missed the write
    finally:
        reader.close()
    kg = KnowledgeGraph.open(settings)
    try:
        assert _iris(kg.text_index.search("zeppelinbouwers", lang="nl")) == {TEST_CLAIM}
        assert not (folder / "pending-writes").exists()
    finally:
        kg.close()


def test_an_open_after_a_clean_close_does_not_scan_the_store(settings, monkeypatch):
    KnowledgeGraph.open(settings).close()
    assert not (index_folder(Path(settings.store)) / "pending-writes").exists()

    def no_scan(self, store, subjects):
        raise AssertionError("the store was scanned although the index was in step")

    monkeypatch.setattr(TextIndex, "_documents_of", no_scan)
    kg = KnowledgeGraph.open(settings)
    try:
        assert not kg.text_index.stale
        assert CLAIM_04 in _iris(kg.text_index.search("terrorist", lang="nl"))
    finally:
        kg.close()


def test_writes_behind_newskgs_back_are_found_by_index_rebuild(settings, tmp_path):
    """The contract: every newskg write path marks the index; a program writing the store folder itself does not,
    and `newskg index rebuild` is the way to bring the index in step after it."""
    KnowledgeGraph.open(settings).close()
    child = textwrap.dedent(f"""
        import pyoxigraph as ox
        store = ox.Store({str(settings.store)!r})
        store.load({NEW_CLAIM!r}, ox.RdfFormat.TRIG)
        store.flush()
    """)
    done = subprocess.run([sys.executable, "-c", child], cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.text_index.search("zeppelinbouwers") == []
    finally:
        kg.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("NEWSKG_STORE", None)
    rebuilt = subprocess.run([sys.executable, "-m", "newskg.cli", "--store", str(settings.store), "index", "rebuild"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    kg = KnowledgeGraph.open(settings)
    try:
        assert _iris(kg.text_index.search("zeppelinbouwers", lang="nl")) == {TEST_CLAIM}
    finally:
        kg.close()


def test_a_killed_writer_leaves_the_index_usable(settings, tmp_path):
    """SIGKILL while the server holds the index writer: the next open takes the writer again and is in step."""
    child = textwrap.dedent(f"""
        import os, signal
        from newskg.core.config import Settings
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
    from newskg.stores.embedded import OxigraphStore

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


LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _record_syncs(kg, monkeypatch) -> list:
    calls = []
    original = kg.text_index.sync

    def recording(store, *, subjects=None, progress=None):
        calls.append(None if subjects is None else set(subjects))
        return original(store, subjects=subjects, progress=progress)

    monkeypatch.setattr(kg.text_index, "sync", recording)
    return calls


def test_updates_name_the_subjects_they_touch_and_the_index_follows(kg, monkeypatch):
    calls = _record_syncs(kg, monkeypatch)
    kg.update(f'INSERT DATA {{ <urn:x:a> <{LABEL}> "luchtschip a"@nl . <urn:x:b> <{LABEL}> "luchtschip b"@nl }}')
    assert calls[-1] is not None and {"urn:x:a", "urn:x:b"} <= calls[-1]
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:a", "urn:x:b"}
    # a variable subject: the IRIs the WHERE bound are the touched ones
    kg.update(f'DELETE {{ ?s <{LABEL}> ?l }} WHERE {{ ?s <{LABEL}> ?l FILTER(CONTAINS(?l, "luchtschip a")) }}')
    assert calls[-1] is not None and "urn:x:a" in calls[-1] and len(calls[-1]) < 50
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:b"}
    # WITH changes what the WHERE reads: the index compares everything
    kg.update(f'WITH <urn:x:g> INSERT {{ <urn:x:c> <{LABEL}> "luchtschip c"@nl }} WHERE {{}}')
    assert calls[-1] is None
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:b", "urn:x:c"}
    # a blank node subject cannot be named: everything
    kg.update(f'INSERT DATA {{ _:n <{LABEL}> "luchtschip d"@nl }}')
    assert calls[-1] is None
    assert len(kg.text_index.search("luchtschip")) == 3
    # DROP: a graph operation
    kg.update("DROP GRAPH <urn:x:g>")
    assert calls[-1] is None
    assert "urn:x:c" not in _iris(kg.text_index.search("luchtschip"))


def test_graph_store_writes_name_the_old_and_new_subjects(kg, monkeypatch):
    calls = _record_syncs(kg, monkeypatch)
    trig = format_for_path(Path("a.ttl"))
    kg.write_graph("urn:x:g1", f'<urn:x:a> <{LABEL}> "luchtschip a"@nl .'.encode(), trig, replace=True)
    assert calls[-1] == {"urn:x:a"}
    kg.write_graph("urn:x:g1", f'<urn:x:b> <{LABEL}> "luchtschip b"@nl .'.encode(), trig, replace=True)
    assert calls[-1] == {"urn:x:a", "urn:x:b"}  # the replaced graph's subjects too: their text went
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:b"}
    kg.delete_graph("urn:x:g1")
    assert calls[-1] == {"urn:x:b"}
    assert kg.text_index.search("luchtschip") == []


def test_a_write_path_failing_after_its_store_write_makes_the_next_sync_compare_everything(kg, monkeypatch):
    with pytest.raises(RuntimeError):
        with kg.write_lock:
            kg.store.update(f'INSERT DATA {{ <urn:x:lost> <{LABEL}> "luchtschip verloren"@nl }}')
            raise RuntimeError("the write path failed before it told the index")
    assert kg.text_index.search("luchtschip") == []
    calls = _record_syncs(kg, monkeypatch)
    kg.update(f'INSERT DATA {{ <urn:x:a> <{LABEL}> "luchtschip a"@nl }}')  # names only urn:x:a ...
    assert _iris(kg.text_index.search("luchtschip")) == {"urn:x:a", "urn:x:lost"}  # ... yet the lost one is found
    kg.update(f'INSERT DATA {{ <urn:x:b> <{LABEL}> "luchtschip b"@nl }}')
    assert calls[-1] is not None and "urn:x:b" in calls[-1]  # and the next write names its subjects again


def _cli(settings, *arguments) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("NEWSKG_STORE", None)
    return subprocess.run([sys.executable, "-m", "newskg.cli", "--store", str(settings.store), *arguments],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_the_search_command_on_a_stopped_store_and_beside_a_process_holding_it(settings):
    KnowledgeGraph.open(settings).close()
    text = _cli(settings, "search", "terrorist", "--lang", "nl", "--type", "claim")
    assert text.returncode == 0, text.stderr
    assert CLAIM_04 in text.stdout and '"*terroristen* en bandieten"' in text.stdout
    kg = KnowledgeGraph.open(settings)  # holds the store's lock, as a running server does
    try:
        kg.gate.submit(NEW_CLAIM, format_for_path(Path("a.trig")), "tester")
        beside = _cli(settings, "search", "zeppelinbouwers", "--format", "json")
        assert beside.returncode == 0, beside.stderr
        hits = json.loads(beside.stdout)["hits"]
        assert [(h["iri"], h["type"]) for h in hits] == [(TEST_CLAIM, "claim")]
        bad = _cli(settings, "search", "(terrorist")
        assert bad.returncode != 0 and "search query" in bad.stderr and "Traceback" not in bad.stderr
    finally:
        kg.close()


def test_a_start_that_finds_the_mark_compares_with_a_progress_bar(settings, tmp_path):
    KnowledgeGraph.open(settings).close()
    rows = " ".join(f'<urn:x:s{i}> <{LABEL}> "zeppelin {i}"@nl .' for i in range(1500))
    child = textwrap.dedent(f"""
        import pyoxigraph as ox
        store = ox.Store({str(settings.store)!r})
        store.update({f"INSERT DATA {{ {rows} }}"!r})
        store.flush()
    """)
    done = subprocess.run([sys.executable, "-c", child], cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (index_folder(Path(settings.store)) / "pending-writes").touch()  # as a write killed before its index update
    found = _cli(settings, "search", "zeppelin", "--limit", "1000", "--format", "json")
    assert found.returncode == 0, found.stderr
    assert "text index" in found.stderr and "1500/1500" in found.stderr  # tqdm's bar on stderr
    assert len(json.loads(found.stdout)["hits"]) == 1000
