"""Full-text search inside SPARQL: text:score and text:match over the text index, joined with the graph.

The expected answers were worked out by reading the article (graph/articles/nunl-6177422.nl.txt: "terroristen en
bandieten", "een poging tot een staatsgreep") and the other outlets' summaries in graph/sources/*.trig (every summary
saying "terrorist(s)", "bandits" or "coup"), not copied from query output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from newskg.core.config import Settings
from newskg.core.errors import BadRequestError
from newskg.kg import KnowledgeGraph
from newskg.stores.remote import RemoteSparqlStore
from newskg.search.sparql_functions import calls_text_functions, constant_searches
from newskg.sparql.protocol import QueryRequest
from newskg.stores.embedded import OxigraphStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_example_queries import example, local, run  # noqa: E402

NKG = "https://w3id.org/newskg/ontology#"
PREFIXES = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX text: <https://w3id.org/newskg/text#>
"""
JSON = "application/sparql-results+json"


def scores(rows: list[dict[str, str]]) -> list[float]:
    return [float(row["score"]) for row in rows]


def answer_rows(kg: KnowledgeGraph, query: str) -> list[dict[str, str]]:
    """The JSON answer's rows through kg.answer (the HTTP path), as variable -> short value."""
    body = json.loads(kg.answer(QueryRequest(query), JSON).body)
    return [{k: local(v["value"]) for k, v in row.items()} for row in body["results"]["bindings"]]


# ------------------------------------------------------------------------------------------------ example 19
def test_example_19_finds_every_claim_calling_protesters_terrorists_or_bandits_with_who_and_when(shipped_with_sources):
    rows = run(shipped_with_sources, example("19-claims-calling-protesters-terrorists"))
    found = {(r["claim"], r["claimantLabel"], r["statusLabel"], r["outletLabel"], r.get("statedEarliest"))
             for r in rows}
    assert found == {
        # NU.nl: Tokayev's "terroristen en bandieten" (Dutch quote, stemmed as Dutch; English translation)
        ("04", "Kassym-Jomart Tokayev", "asserted", "NU.nl", "2022-01-03"),
        ("claim/nunl-6177270-06", "Kassym-Jomart Tokayev", "asserted", "NU.nl", "2022-01-07"),  # 20,000 bandits
        ("claim/nederlands-dagblad-1079178-06", "Kassym-Jomart Tokayev", "asserted", "Nederlands Dagblad",
         "2022-01-01"),
        ("claim/het-belang-van-limburg-92312307-03", "Kassym-Jomart Tokayev", "asserted", "Het Belang van Limburg",
         "2022-01-07"),
        ("claim/the-irish-times-4770896-02", "Kassym-Jomart Tokayev", "asserted", "The Irish Times", "2022-01-07"),
        ("claim/the-irish-times-4770896-03", "Kassym-Jomart Tokayev", "asserted", "The Irish Times", "2022-01-07"),
        ("claim/knack-1821037-03", "Kassym-Jomart Tokayev", "asserted", "Knack", "2022-01-10"),
        ("claim/jowhar-c8ff2b8c0f-03", "the Kazakh authorities", "asserted", "Jowhar", "2022-01-10"),
        ("claim/news18-4662272-09", "the Kazakh authorities", "asserted", "News18", "2022-01-01"),
        ("claim/news18-4662272-03", "Serik Shalabayev", "asserted", "News18", "2022-01-15"),
    }
    assert len(rows) == len(found)
    assert scores(rows) == sorted(scores(rows), reverse=True) and min(scores(rows)) > 0
    assert rows[0]["claim"] == "04"  # the quote, its translation and its label all match: the best claim


def test_example_19_on_the_article_alone_finds_the_terroristen_en_bandieten_claim(fresh):
    rows = run(fresh, example("19-claims-calling-protesters-terrorists"))
    assert [(r["claim"], r["claimantLabel"], r["statedEarliest"], r["statedLatest"]) for r in rows] == [
        ("04", "Kassym-Jomart Tokayev", "2022-01-03", "2022-01-10")]


# ------------------------------------------------------------------------------------------------ example 20
def test_example_20_finds_coup_mentions_per_language_with_the_claimants_wikidata_item(shipped_with_sources):
    rows = run(shipped_with_sources, example("20-coup-mentions-with-wikidata"))
    found = [(r["lang"], r["hit"], r["kind"], r.get("whoLabel"), r.get("wikidata")) for r in rows]
    tokayev = ("Kassym-Jomart Tokayev", "Q200881")
    assert set(found) == {
        # Dutch: the article's "poging tot een staatsgreep", in claim 05's quote and the article body
        ("nl", "05", "claim", *tokayev),
        ("nl", "article/nunl-6177422", "report", "NU.nl", "Q2183577"),
        # English: claim 05's translation, the summaries saying "coup", and two reports whose titles say so
        ("en", "05", "claim", *tokayev),
        ("en", "claim/knack-1821037-03", "claim", *tokayev),
        ("en", "claim/nh-nieuws-66443-05", "claim", *tokayev),
        ("en", "claim/telesur-20220110-01", "claim", *tokayev),
        ("en", "claim/de-morgen-8602f32980-01", "claim", *tokayev),
        ("en", "article/telesur-20220110", "report", "teleSUR", None),  # no verified Wikidata item
        ("en", "article/de-morgen-8602f32980", "report", "De Morgen", None),
    }
    assert len(found) == len(set(found))
    assert [r["lang"] for r in rows] == ["nl"] * 2 + ["en"] * 7
    assert rows[0]["hit"] == "05" and rows[2]["hit"] == "05"  # the claim itself outranks the whole article body


# ------------------------------------------------------------------------------------------------ the functions
def test_dutch_stemming_matches_terroristen_and_the_language_argument_chooses_the_analysis(shipped_with_sources):
    ask = PREFIXES + 'SELECT ?s WHERE { BIND(<https://w3id.org/newskg/id/claim/nunl-6177422-04> AS ?c) ' \
                     'BIND(text:score(?c, "%s", "%s") AS ?s) }'
    assert "s" in run(shipped_with_sources, ask % ("terrorist", "nl"))[0]  # "terroristen" stems to "terrorist" in Dutch
    assert "s" in run(shipped_with_sources, ask % ("terrorists", "en"))[0]
    assert "s" not in run(shipped_with_sources, ask % ("terroristen", "en"))[0]  # the English text says "terrorists"


def test_text_match_is_true_or_false_per_subject(shipped_with_sources):
    rows = run(shipped_with_sources, PREFIXES + """SELECT ?c ?m WHERE {
        VALUES ?c { <https://w3id.org/newskg/id/claim/nunl-6177422-04> <https://w3id.org/newskg/id/claim/nunl-6177422-05> }
        BIND(text:match(?c, "staatsgreep", "nl") AS ?m) } ORDER BY ?c""")
    assert [(r["c"], r["m"]) for r in rows] == [("04", "false"), ("05", "true")]


def test_order_by_score_with_limit_gives_the_top_rows_of_the_full_ranking(shipped_with_sources):
    query = PREFIXES + """SELECT ?c ?score WHERE { ?c a nkg:Claim .
        BIND(text:score(?c, "terrorist OR bandit OR bandiet") AS ?score) FILTER(BOUND(?score)) }
        ORDER BY DESC(?score) ?c"""
    full = run(shipped_with_sources, query)
    assert len(full) == 10
    assert run(shipped_with_sources, query + " LIMIT 3") == full[:3]
    assert run(shipped_with_sources, query + " OFFSET 3 LIMIT 4") == full[3:7]


def test_a_claim_written_is_found_at_once_and_no_longer_once_removed_through_the_query_workers(fresh):
    fresh.start_query_workers()  # the answer comes from a worker with a read-only view of the store and index
    claim = "<https://w3id.org/newskg/id/claim/test-plunderaars>"
    query = PREFIXES + 'SELECT ?c WHERE { ?c a nkg:Claim . FILTER(text:match(?c, "plunderaars", "nl")) }'
    assert answer_rows(fresh, query) == []
    fresh.store.update(f'INSERT DATA {{ {claim} a <{NKG}Claim> ; '
                         f'<{NKG}quote> "De president noemde hen plunderaars."@nl }}')
    fresh.committed()
    assert answer_rows(fresh, query) == [{"c": "claim/test-plunderaars"}]
    fresh.store.update(f"DELETE WHERE {{ {claim} ?p ?o }}")
    fresh.committed()
    assert answer_rows(fresh, query) == []


def test_a_bad_search_query_or_language_is_a_400_before_evaluation(shipped_with_sources):
    too_long = "x" * 501
    for call in (f'text:score(?c, "{too_long}")', 'text:score(?c, "terrorist", "fr")'):
        with pytest.raises(BadRequestError):
            shipped_with_sources.answer(QueryRequest(PREFIXES + f"SELECT ?s WHERE {{ ?c a nkg:Claim BIND({call} AS ?s) }}"),
                              JSON)


def test_without_a_text_index_the_query_is_a_400_naming_text_score(tmp_path):
    memory = KnowledgeGraph(Settings(store=tmp_path / "unused"), OxigraphStore())
    remote = KnowledgeGraph(Settings(store=tmp_path / "unused"), RemoteSparqlStore("http://127.0.0.1:9/sparql"))
    query = PREFIXES + 'SELECT ?s WHERE { ?c a nkg:Claim BIND(text:score(?c, "coup") AS ?s) }'
    for kg in (memory, remote):  # nothing is sent to the remote endpoint: nothing listens on port 9
        with pytest.raises(BadRequestError, match="text:score") as raised:
            kg.answer(QueryRequest(query), JSON)
        assert raised.value.status == 400
        kg.close()


def test_an_unknown_function_is_an_error_in_the_row_not_a_refused_query(shipped_with_sources):
    """SPARQL 1.1 §17.6: calling an extension function the engine lacks is an expression error (unbound), and the
    query is still valid (W3C syntax-query/test_4 calls <http://example/function>)."""
    answer = shipped_with_sources.answer(QueryRequest("SELECT ?y (<http://example.org/nothing>(1) AS ?x) WHERE { BIND(2 AS ?y) }"), JSON)
    body = json.loads(answer.body)
    assert body["results"]["bindings"] == [{"y": {"type": "literal", "value": "2",
                                                  "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]


def test_calls_are_found_by_prefix_or_full_iri_and_constant_searches_read():
    query = """PREFIX t: <https://w3id.org/newskg/text#>
        SELECT * WHERE { BIND(t:score(?c, "terror*", "nl") AS ?s) FILTER(<https://w3id.org/newskg/text#match>(?c, 'a \\"b\\"')) }"""
    assert calls_text_functions(query)
    assert constant_searches(query) == [("terror*", "nl"), ('a "b"', None)]
    assert not calls_text_functions('SELECT * WHERE { ?s ?p "https://w3id.org/newskg/text#score(" }')
    escaped = query.replace('"terror*"', '"Almat\\u0131 caf\\U000000E9"')
    assert constant_searches(escaped)[0] == ("Almat\u0131 caf\u00e9", "nl")  # as the engine reads the literal
    assert not calls_text_functions("PREFIX text: <https://w3id.org/newskg/text#> SELECT * WHERE { ?s text:score ?o }")


def test_the_sparql_endpoint_answers_text_score_from_its_query_workers(client):
    query = PREFIXES + """SELECT ?c ?score WHERE { ?c a nkg:Claim .
        BIND(text:score(?c, "terroristen", "nl") AS ?score) FILTER(BOUND(?score)) } ORDER BY DESC(?score)"""
    response = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert [local(row["c"]["value"]) for row in rows] == ["04"]
    assert rows[0]["score"]["datatype"] == "http://www.w3.org/2001/XMLSchema#double"
    bad = client.get("/sparql", params={"query": query.replace('"nl"', '"fr"')}, headers={"Accept": JSON})
    assert bad.status_code == 400 and "fr" in bad.json()["message"]


def test_text_score_scores_every_match_beyond_a_thousand(fresh):
    """The score of a row does not depend on how many other subjects match: 1,500 matches, all scored, and the
    bottom of the ranking is right under ORDER BY ... LIMIT."""
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    rows = " ".join(f'<urn:x:s{i}> <{label}> "{"zeppelin " * (1 + i % 7)}luchtschip {i}"@nl .' for i in range(1500))
    fresh.update(f"INSERT DATA {{ {rows} }}")
    query = PREFIXES + f"""SELECT ?s ?score WHERE {{
      ?s <{label}> ?l . BIND(text:score(?s, "zeppelin", "nl") AS ?score) FILTER(BOUND(?score)) }}"""
    everything_scored = answer_rows(fresh, query)
    assert len(everything_scored) == 1500
    lowest = answer_rows(fresh, query + " ORDER BY ASC(?score) LIMIT 5")
    assert len(lowest) == 5
    assert max(scores(lowest)) <= min(scores(everything_scored)) + 1e-9


def test_concurrent_text_queries_share_one_worker_process(client):
    """The query threads of one worker process share its read-only text index: many text:score queries at once, each
    with its own words, all answered, each with its own rows."""
    from concurrent.futures import ThreadPoolExecutor

    words = ["terroristen", "terrorists", "bandits", "coup", "staatsgreep", "protesters"]

    def ask(word: str) -> tuple[int, list[str]]:
        query = PREFIXES + f"""SELECT ?c WHERE {{ ?c a nkg:Claim .
            BIND(text:score(?c, "{word}") AS ?score) FILTER(BOUND(?score)) }} ORDER BY ?c"""
        response = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
        return response.status_code, [row["c"]["value"] for row in response.json()["results"]["bindings"]]

    alone = {word: ask(word) for word in words}
    assert all(status == 200 for status, _ in alone.values()) and any(rows for _, rows in alone.values())
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(ask, words * 4))
    assert together == [alone[word] for word in words * 4]
