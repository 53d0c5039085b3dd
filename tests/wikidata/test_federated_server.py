"""Real federated queries through `newskg serve`: SERVICE to Wikidata sent to a local stand-in (the mirror setting),
or answered from the snapshot graph offline. No traffic leaves loopback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
FEDERATED = sorted((ROOT / "queries" / "federated").glob("*.rq"))
EXAMPLES = ROOT / "queries" / "examples"


def select(server, query: str) -> list[dict]:
    response = httpx.post(server.url + "/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=60)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_there_are_federated_example_queries_with_titles():
    assert len(FEDERATED) >= 2
    for path in FEDERATED:
        text = path.read_text()
        assert text.startswith("# title: ") and "# description: " in text
        assert "SERVICE" in text and "https://query.wikidata.org/sparql" in text


def test_federated_queries_reach_the_mirror(server_factory, wikidata):
    server = server_factory(env={
        "NEWSKG_WIKIDATA_ENDPOINT": wikidata.sparql, "NEWSKG_WIKIDATA_OFFLINE": "false",
        "NEWSKG_EGRESS_PRIVATE_HOSTS": "127.0.0.1",
    })
    answers = {p.name: select(server, p.read_text()) for p in FEDERATED}
    population = answers["01-population-news-vs-wikidata.rq"]
    assert [(r["subjectLabel"], r["newsValue"], r["wikidataPopulation"]) for r in population] == [
        ("Kazakhstan", "19000000", "20139914")
    ]
    labels = {(r["item"].rsplit("/", 1)[-1], r["wikidataLabel"], r["language"])
              for r in answers["02-place-labels-from-wikidata.rq"]}
    assert ("Q35493", "Almaty", "nl") in labels  # only the stand-in has Almaty's Dutch label: it really answered
    codes = {(r["item"].rsplit("/", 1)[-1], r["property"].rsplit("/", 1)[-1], r["value"])
             for r in answers["03-airport-codes-and-coordinates.rq"]}
    assert {("Q858844", "P238", "ALA"), ("Q858844", "P239", "UAAA"), ("Q232", "P625", "Point(68 48)")} <= codes
    sparql_calls = [r for r in wikidata.requests if r["path"] == "/sparql"]
    assert len(sparql_calls) >= len(FEDERATED)


def test_service_to_an_endpoint_not_allowed_is_still_refused(server_factory, wikidata):
    server = server_factory(env={"NEWSKG_WIKIDATA_ENDPOINT": wikidata.sparql})
    other = "http://127.0.0.1:9/sparql"
    response = httpx.post(server.url + "/sparql", data={"query": f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 400


def test_offline_mode_answers_the_federated_and_wikidata_questions_from_the_snapshot(server_factory, wikidata):
    # the mirror is configured too: offline must win, and nothing may reach it
    server = server_factory(env={"NEWSKG_WIKIDATA_OFFLINE": "true", "NEWSKG_WIKIDATA_ENDPOINT": wikidata.sparql})
    answers = {p.name: select(server, p.read_text()) for p in FEDERATED}
    assert [(r["newsValue"], r["wikidataPopulation"]) for r in answers["01-population-news-vs-wikidata.rq"]] == [
        ("19000000", "20139914")
    ]
    labels = {(r["item"].rsplit("/", 1)[-1], r["wikidataLabel"], r["language"])
              for r in answers["02-place-labels-from-wikidata.rq"]}
    assert ("Q232", "Kazachstan", "nl") in labels and ("Q858844", "Luchthaven Almaty", "nl") in labels
    assert not any(q == "Q35493" and lang == "nl" for q, _, lang in labels)  # the snapshot has no Dutch label for it
    codes = {(r["property"].rsplit("/", 1)[-1], r["value"]) for r in answers["03-airport-codes-and-coordinates.rq"]}
    assert {("P238", "ALA"), ("P239", "UAAA"), ("P625", "Point(68 48)")} <= codes

    q04 = select(server, (EXAMPLES / "04-wikidata-linked-entities.rq").read_text())
    assert ("http://www.wikidata.org/entity/Q232", "20139914") in {(r["item"], r["value"]) for r in q04}
    q05 = select(server, (EXAMPLES / "05-figures-differing-from-wikidata.rq").read_text())
    assert [(r["newsValue"], r["wikidataValue"]) for r in q05] == [("19000000", "20139914")]
    q14 = select(server, (EXAMPLES / "14-not-yet-linked.rq").read_text())
    assert "https://w3id.org/newskg/id/actor/kazakh-ministry-of-foreign-affairs" in {r["entity"] for r in q14}
    assert wikidata.requests == []
