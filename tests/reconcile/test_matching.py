"""The reconciliation index: what it holds, how names are folded and scored, and when it is rebuilt."""

from __future__ import annotations

import pytest

from newskg.reconcile.matching import fold, index_of, qid_of, score_name

NEW_ACTOR = """@prefix nkg: <https://w3id.org/newskg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/newskg/id/actor/reconcile-test> a nkg:Person ;
    rdfs:label "Zoë Ünalçık"@nl ;
    skos:altLabel "Z. Unalcik"@en .
"""


@pytest.mark.parametrize("text, folded", [
    ("Oekraïne", "oekraine"),
    ("  KAZACHSTAN ", "kazachstan"),
    ("Kassym-Jomart Tokayev", "kassym jomart tokayev"),
    ("Straße", "strasse"),
    ("Øresund Łódź", "oresund lodz"),
    ("ﬁnal", "final"),  # a compatibility ligature (NFKD)
    ("l'été — «quoi»", "l ete quoi"),
    ("?!", ""),
])
def test_fold_removes_accents_case_and_punctuation(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("text, qid", [
    ("Q232", "Q232"), ("q232", "Q232"), ("wd:Q200881", "Q200881"),
    ("http://www.wikidata.org/entity/Q35493", "Q35493"), ("https://www.wikidata.org/wiki/Q212", "Q212"),
    ("Q", None), ("Q0", None), ("Q232x", None), ("Kazakhstan", None), ("wd:P31", None),
])
def test_qid_of_reads_the_spellings_of_a_wikidata_item(text, qid):
    assert qid_of(text) == qid


def test_scores_order_exact_then_contained_then_typos():
    exact = score_name("almaty", "almaty")
    contained = score_name("tokayev", "kassym jomart tokayev")
    typo = score_name("tokajev", "kassym jomart tokayev")
    unrelated = score_name("tokayev", "liquefied petroleum gas")
    assert exact == 1.0 > contained > typo > unrelated
    assert unrelated < 0.5


def test_the_index_holds_actors_places_events_and_claims_with_their_types(kg):
    index = index_of(kg)
    kinds = {entry.id: entry.kind for entry in index.entries}
    assert kinds["actor/tokayev"] == "Actor"
    assert kinds["group/protesters"] == "Actor"
    assert kinds["place/almaty-airport"] == "Place"
    assert kinds["event/kazakhstan-unrest-2022"] == "Event"
    assert kinds["event/ordered-shooting-without-warning"] == "Event"  # typed only inside a claim graph
    assert kinds["claim/nunl-6177422-14"] == "Claim"
    assert not any(i.startswith(("article/", "time/", "figure/", "concept/")) for i in kinds)
    airport = index.by_id["place/almaty-airport"]
    assert [index.type_ref(t)["id"] for t in index.entry_types(airport)] == ["Airport"]
    assert index.has_type(airport, index.type_iri("Place"))
    assert not index.has_type(airport, index.type_iri("Actor"))


def test_the_index_holds_every_language_alternative_labels_quotes_and_qids(kg):
    index = index_of(kg)
    ukraine = index.by_id["place/ukraine"]
    assert {(n.text, n.language) for n in ukraine.names} == {("Oekraïne", "nl"), ("Ukraine", "en")}
    assert ukraine.qids == {"Q212"}
    assert ukraine.name() == "Ukraine"  # English first
    troops = index.by_id["actor/kazakh-troops"]
    assert any(n.alternative and n.text == "zijn troepen" for n in troops.names)
    claim = index.by_id["claim/nunl-6177422-14"]
    assert {n.language for n in claim.names} == {"nl", "en"}  # the quote and its translation
    assert claim.description == "claim by Kassym-Jomart Tokayev (Asserted)"


@pytest.mark.parametrize("query, expected", [
    ("Kazachstan", "place/kazakhstan"),      # Dutch label
    ("kazakhstan", "place/kazakhstan"),      # English, other case
    ("Oekraine", "place/ukraine"),           # without the diaeresis
    ("ALMATY", "place/almaty"),
    ("zijn troepen", "actor/kazakh-troops"),  # alternative label
    ("Tokayev", "actor/tokayev"),            # a word of the name
    ("Tokajev", "actor/tokayev"),            # a typo of it
    ("Agence France Presse", "actor/afp"),   # punctuation left out
    ("Q232", "place/kazakhstan"),            # a QID
    ("actor/knb", "actor/knb"),              # an id
    ("https://w3id.org/newskg/id/actor/knb", "actor/knb"),  # an IRI
])
def test_the_best_candidate_is_the_right_one(kg, query, expected):
    candidates = index_of(kg).candidates(query)
    assert candidates and candidates[0].entry.id == expected, [(c.entry.id, c.score) for c in candidates[:3]]


def test_nonsense_finds_nothing(kg):
    assert index_of(kg).candidates("xyzzy plugh") == []
    assert index_of(kg).candidates("Q999999999") == []


def test_the_index_is_kept_until_a_write_and_then_rebuilt(client):
    kg = client.app.state.kg
    first = index_of(kg)
    assert index_of(kg) is first
    assert first.candidates("Zoe Unalcik") == []
    response = client.post("/assertions", content=NEW_ACTOR.encode(),
                           headers={"Content-Type": "text/turtle", "Authorization": "Bearer test-token"})
    assert response.status_code == 201, response.text
    rebuilt = index_of(kg)
    assert rebuilt is not first
    found = rebuilt.candidates("Zoe Unalcik")
    assert found[0].entry.id == "actor/reconcile-test" and found[0].exact
    assert rebuilt.candidates("z unalcik")[0].entry.id == "actor/reconcile-test"  # the alternative label
