"""`newskg wikidata link`: unlinked entities, candidates from the (stand-in) services, gated writes with provenance."""

from __future__ import annotations

from pathlib import Path

from newskg.cli import main
from newskg.core.config import Settings
from newskg.kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[2]
RES = "https://w3id.org/newskg/id/"
NKG = "https://w3id.org/newskg/ontology#"
MINISTRY = RES + "actor/kazakh-ministry-of-foreign-affairs"
UNREST = RES + "event/kazakhstan-unrest-2022"


def rows(store: Path, sparql: str) -> list[dict]:
    kg = KnowledgeGraph.open(Settings(store=store, load_seed=False))
    try:
        return [{k: v.value for k, v in r.items()} for r in kg.query(sparql).rows()]
    finally:
        kg.close()


def test_dry_run_lists_every_unlinked_entity_with_candidates_and_writes_nothing(wikidata_env, wikidata, capsys):
    assert main(["wikidata", "link", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "kazakh-ministry-of-foreign-affairs" in out
    assert "[1] Q900000101  Ministry of Foreign Affairs of Kazakhstan - mock ministry item  (P31: Q900000003 mock ministry class)" in out
    assert "[2] Q900000102" in out
    for slug in ("kazakh-authorities", "kazakh-state-media", "former-soviet-states"):  # actor/russia is linked (Q159)
        assert slug in out
    assert "group/" not in out  # unnamed groups are never candidates for a link
    paths = {r["path"] for r in wikidata.requests}
    assert paths == {"/w/api.php", "/sparql"}
    store = Path(wikidata_env["NEWSKG_STORE"])
    assert rows(store, f"ASK {{ <{MINISTRY}> <{NKG}wikidata> ?i }}".replace("ASK", "SELECT * WHERE", 1)) == []


def test_choose_writes_the_link_through_the_gate_with_its_provenance(wikidata_env, capsys):
    assert main(["wikidata", "link", "--choose", "kazakh-ministry-of-foreign-affairs=Q900000101",
                 "--submitter", "cli:tester"]) == 0
    out = capsys.readouterr().out
    assert "linked: kazakh-ministry-of-foreign-affairs -> Q900000101" in out
    store = Path(wikidata_env["NEWSKG_STORE"])
    found = rows(store, f"""
        SELECT ?item ?query ?api ?sparql ?chosen ?at ?comment ?assertion ?who WHERE {{
          <{MINISTRY}> <{NKG}wikidata> ?item ; <{NKG}linkFoundBy> ?lookup .
          ?lookup a <{NKG}WikidataLookup> ; <{NKG}searchQuery> ?query ; <{NKG}searchEndpoint> ?api ;
                  <{NKG}confirmEndpoint> ?sparql ; <{NKG}chosenItem> ?chosen ;
                  <http://www.w3.org/ns/prov#startedAtTime> ?at ; <http://www.w3.org/2000/01/rdf-schema#comment> ?comment .
          GRAPH <https://w3id.org/newskg/graph/assertions> {{
            ?assertion <{NKG}content> ?content ; <http://www.w3.org/ns/prov#wasAttributedTo> ?who .
            FILTER(CONTAINS(?content, "Q900000101")) }}
        }}""")
    assert len(found) == 1
    row = found[0]
    assert row["item"] == row["chosen"] == "http://www.wikidata.org/entity/Q900000101"
    assert row["query"] == "Ministry of Foreign Affairs of Kazakhstan"
    assert row["api"] == wikidata_env["NEWSKG_WIKIDATA_API"]
    assert row["sparql"] == wikidata_env["NEWSKG_WIKIDATA_ENDPOINT"]
    assert "looked up live by `newskg wikidata link`".lower() in row["comment"].lower()
    assert row["who"].endswith("agent/cli-tester")
    # the question "not yet linked" no longer lists it
    query = (ROOT / "queries" / "examples" / "14-not-yet-linked.rq").read_text()
    assert MINISTRY not in {r["entity"] for r in rows(store, query)}


def test_a_qid_outside_the_candidates_must_be_known_to_the_query_service(wikidata_env, capsys):
    assert main(["wikidata", "link", "--choose", "kazakh-ministry-of-foreign-affairs=Q123456789"]) == 2
    assert "neither a candidate" in capsys.readouterr().err
    # one the query service knows is accepted, and says how it was found
    assert main(["wikidata", "link", "--choose", "kazakh-ministry-of-foreign-affairs=Q900000102"]) == 0
    store = Path(wikidata_env["NEWSKG_STORE"])
    comments = rows(store, f"SELECT ?c WHERE {{ <{MINISTRY}> <{NKG}linkFoundBy>/<http://www.w3.org/2000/01/rdf-schema#comment> ?c }}")
    assert "search" in comments[0]["c"]


def test_named_entity_such_as_the_event_can_be_linked(wikidata_env, capsys):
    assert main(["wikidata", "link", "--entity", UNREST, "--choose", f"{UNREST}=Q900000103"]) == 0
    assert "linked: kazakhstan-unrest-2022 -> Q900000103" in capsys.readouterr().out


def test_groups_and_linked_entities_are_refused(wikidata_env, capsys):
    assert main(["wikidata", "link", "--entity", RES + "group/protesters", "--dry-run"]) == 2
    assert "never linked" in capsys.readouterr().err
    assert main(["wikidata", "link", "--entity", RES + "actor/tokayev", "--dry-run"]) == 2
    assert "already linked" in capsys.readouterr().err


def test_the_gate_refuses_a_second_link_for_the_same_entity(wikidata_env, capsys):
    assert main(["wikidata", "link", "--choose", "kazakh-ministry-of-foreign-affairs=Q900000101"]) == 0
    # written below the CLI's own check: the shapes allow at most one nkg:wikidata per resource
    from newskg.wikidata import links
    from newskg.wikidata.client import WikidataClient

    settings = Settings()
    kg = KnowledgeGraph.open(settings)
    try:
        entity = links.Unlinked(MINISTRY, "Ministry of Foreign Affairs of Kazakhstan", "actor", "x")
        with WikidataClient.from_settings(settings) as client:
            try:
                links.write_link(kg, entity, links.Candidate("Q900000102", "b", "c"), client, "cli:t", how="test")
            except Exception as exc:  # noqa: BLE001
                assert getattr(exc, "status", None) == 422
            else:
                raise AssertionError("a second link was accepted")
    finally:
        kg.close()


def test_offline_link_refuses_to_contact_wikidata(wikidata_env, wikidata, monkeypatch, capsys):
    monkeypatch.setenv("NEWSKG_WIKIDATA_OFFLINE", "true")
    assert main(["wikidata", "link", "--dry-run"]) == 2
    assert "OFFLINE" in capsys.readouterr().err
    assert wikidata.requests == []
