"""SERVICE text:search: the text index answers the block, the engine joins its rows (same answers as text:score).

The expected claims were worked out from the article and graph/sources (see test_sparql_text.py), not from output.
"""

from __future__ import annotations

import pytest

from newskg.core.config import Settings
from newskg.core.errors import BadRequestError
from newskg.kg import KnowledgeGraph
from newskg.search import sparql_service
from newskg.search.sparql_service import rewrite_text_search
from newskg.sparql.protocol import QueryRequest
from newskg.stores.embedded import OxigraphStore

from .test_sparql_text import JSON, PREFIXES, answer_rows, scores
from test_example_queries import example  # noqa: E402  (tests/unit, put on the path by conftest)

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def test_example_19_gives_the_same_rows_as_its_text_score_form(shipped_with_sources):
    service_form = example("19-claims-calling-protesters-terrorists")
    function_form = service_form.replace(
        'SERVICE text:search { ?claim text:query "terrorist OR bandit OR bandiet" ; text:score ?score }\n', ""
    ).replace("nkg:status ?status .\n", 'nkg:status ?status .\n  BIND (text:score(?claim, "terrorist OR bandit OR '
              'bandiet") AS ?score) FILTER (BOUND(?score))\n')
    assert function_form != service_form and "SERVICE text:search {" not in function_form
    by_service, by_function = answer_rows(shipped_with_sources, service_form), answer_rows(shipped_with_sources, function_form)
    assert len(by_service) == 10 and by_service == by_function


def test_order_by_score_with_limit_is_the_top_of_the_full_ranking_and_text_limit_the_best_n(shipped_with_sources):
    block = 'SERVICE text:search { ?c text:query "tokayev" ; text:score ?score %s }'
    full = answer_rows(shipped_with_sources, PREFIXES + "SELECT ?c ?score WHERE { " + block % "" + " } ORDER BY DESC(?score) ?c")
    assert len(full) > 20 and scores(full) == sorted(scores(full), reverse=True)
    top = answer_rows(shipped_with_sources, PREFIXES + "SELECT ?c ?score WHERE { " + block % "" +
                      " ?c a nkg:Claim } ORDER BY DESC(?score) ?c LIMIT 3")
    claims = [row for row in full if row["c"].startswith(("claim/", "0", "1", "2"))]
    assert [row["c"] for row in top] == [row["c"] for row in claims[:3]]
    best = answer_rows(shipped_with_sources, PREFIXES + "SELECT ?c ?score WHERE { " + block % "; text:limit 5" +
                       " } ORDER BY DESC(?score) ?c")
    assert scores(best) == scores(full)[:5]


def test_lang_and_type_options_and_a_block_without_score(shipped_with_sources):
    dutch = answer_rows(shipped_with_sources, PREFIXES + """SELECT ?c WHERE {
        SERVICE text:search { ?c text:query "terrorist" ; text:lang "nl" ; text:type "claim" } }""")
    assert [row["c"] for row in dutch] == ["04"]  # "terroristen", stemmed as Dutch; the group's label is not a claim
    both = answer_rows(shipped_with_sources, PREFIXES + """SELECT ?c WHERE {
        SERVICE text:search { ?c text:query "terrorist" . ?c text:lang "nl" . ?c text:type "claim, group" } }""")
    assert {row["c"] for row in both} == {"04", "group/terrorists-and-bandits"}


def test_the_block_under_another_prefix_by_full_iri_and_with_a_dollar_variable(shipped_with_sources):
    queries = [
        'PREFIX t: <https://w3id.org/newskg/text#> SELECT $c WHERE { SERVICE t:search { $c t:query "staatsgreep" } }',
        "SELECT ?c WHERE { SERVICE SILENT <https://w3id.org/newskg/text#search> { "
        '?c <https://w3id.org/newskg/text#query> """staatsgreep""" } }',
    ]
    # the article's "poging tot een staatsgreep" (claim 05's quote and the body), the coup-attempt event's label and
    # the ontology's class nkg:CoupAttempt ("poging tot staatsgreep"@nl)
    expected = {"05", "article/nunl-6177422", "event/alleged-coup-attempt-kazakhstan-2022", "CoupAttempt"}
    for query in queries:
        assert {row["c"] for row in answer_rows(shipped_with_sources, query)} == expected


def test_a_claim_written_is_found_at_once_and_not_after_its_removal(fresh):
    query = PREFIXES + 'SELECT ?c WHERE { SERVICE text:search { ?c text:query "zeppelinbouwers" } }'
    fresh.update(f'INSERT DATA {{ <urn:x:z> <{LABEL}> "de zeppelinbouwers"@nl }}')
    assert [row["c"] for row in answer_rows(fresh, query)] == ["urn:x:z"]
    fresh.update(f'DELETE DATA {{ <urn:x:z> <{LABEL}> "de zeppelinbouwers"@nl }}')
    assert answer_rows(fresh, query) == []


def test_more_matches_than_the_row_cap_is_a_400_unless_text_limit_says_how_many(fresh, monkeypatch):
    rows = " ".join(f'<urn:x:s{i}> <{LABEL}> "luchtschip {i}"@nl .' for i in range(30))
    fresh.update(f"INSERT DATA {{ {rows} }}")
    monkeypatch.setattr(sparql_service, "MAX_ROWS", 20)
    query = PREFIXES + 'SELECT ?c WHERE { SERVICE text:search { ?c text:query "luchtschip" %s } }'
    with pytest.raises(BadRequestError, match="30 subjects, more than 20"):
        fresh.answer(QueryRequest(query % ""), JSON)
    assert len(answer_rows(fresh, query % "; text:limit 20")) == 20


@pytest.mark.parametrize("block, message", [
    ('{ ?c text:score ?s }', "text:query"),
    ('{ ?c text:query "a" ; text:colour "red" }', "not one of text:query"),
    ('{ ?c text:query "a" . ?d text:lang "nl" }', "same subject variable"),
    ('{ <urn:x:a> text:query "a" }', "subject variable"),
    ('{ ?c text:query "a"@en }', "plain strings"),
    ('{ ?c text:query "a"^^<urn:x:t> }', "plain strings"),
    ('{ ?c text:query "a" ; text:lang "fr" }', '"nl" or "en"'),
    ('{ ?c text:query "a" ; text:type "person" }', "unknown text:type"),
    ('{ ?c text:query "a" ; text:limit 0 }', "text:limit"),
    ('{ ?c text:query "a" ; text:limit 99999999999 }', "text:limit"),
    ('{ ?c text:query "a" ; text:query "b" }', "once"),
    ('{ ?c text:query ?words }', "text:query takes"),
    ('{ ?c text:query "a" ; text:score ?c }', "variable of its own"),
    ('{ ?c text:query "(terrorist" }', "search query"),
    ('{ ?c text:query "' + "x" * 600 + '" }', "longer than"),
])
def test_a_malformed_block_is_a_400_naming_what_is_wrong(shipped_with_sources, block, message):
    query = PREFIXES + "SELECT * WHERE { SERVICE text:search " + block + " }"
    with pytest.raises(BadRequestError, match=message) as raised:
        shipped_with_sources.answer(QueryRequest(query), JSON)
    assert raised.value.status == 400


def test_a_block_left_open_is_a_400(shipped_with_sources):
    with pytest.raises(BadRequestError, match="not closed"):
        shipped_with_sources.answer(QueryRequest(PREFIXES + 'SELECT * WHERE { SERVICE text:search { ?c text:query "a" '), JSON)


def test_silent_turns_a_failed_search_into_no_rows(shipped_with_sources):
    query = PREFIXES + 'SELECT ?c WHERE { SERVICE SILENT text:search { ?c text:query "(terrorist" } }'
    assert answer_rows(shipped_with_sources, query) == []


def test_inside_a_remote_service_block_it_is_refused(shipped_with_sources):
    query = PREFIXES + """SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> {
        SERVICE text:search { ?c text:query "coup" } } }"""
    with pytest.raises(BadRequestError, match="inside another SERVICE"):
        shipped_with_sources.answer(QueryRequest(query), JSON)


@pytest.mark.parametrize("words", [
    "DROP ALL INSERT DATA evil WHERE",
    "SELECT * WHERE ?s ?p ?o UNION evil",
    "urn x evil",
])
def test_words_that_look_like_sparql_are_searched_never_pasted(shipped_with_sources, words):
    before = len(shipped_with_sources.store._store)
    query = PREFIXES + 'SELECT ?c WHERE { SERVICE text:search { ?c text:query "%s" } }' % words
    rewritten = rewrite_text_search(query, shipped_with_sources.text_index)
    assert "DROP" not in rewritten and "evil" not in rewritten and "UNION" not in rewritten
    assert rewritten.startswith(PREFIXES + "SELECT ?c WHERE { VALUES ?c {")
    shipped_with_sources.answer(QueryRequest(query), JSON)
    assert len(shipped_with_sources.store._store) == before


@pytest.mark.parametrize("words", [
    "} } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o",
    '\\" } } INSERT DATA { <urn:x:evil> <urn:x:p> 1 } #',
    "<urn:x:evil> } UNION { ?c ?p ?o",
    "\\u0022 } }",
])
def test_words_that_break_out_are_a_400_and_change_nothing(shipped_with_sources, words):
    before = len(shipped_with_sources.store._store)
    query = PREFIXES + 'SELECT ?c WHERE { SERVICE text:search { ?c text:query "%s" } }' % words.replace('"', '\\"')
    with pytest.raises(BadRequestError) as refused:
        shipped_with_sources.answer(QueryRequest(query), JSON)
    assert refused.value.status == 400 and "search query" in refused.value.message
    assert len(shipped_with_sources.store._store) == before


def test_a_store_without_a_text_index_refuses_the_block_before_anything_is_sent(tmp_path):
    memory = KnowledgeGraph(Settings(store=tmp_path / "unused"), OxigraphStore())
    try:
        query = PREFIXES + 'SELECT ?c WHERE { SERVICE text:search { ?c text:query "coup" } }'
        with pytest.raises(BadRequestError, match="needs the text index"):
            memory.answer(QueryRequest(query), JSON)
    finally:
        memory.close()


def test_the_endpoint_answers_the_block_without_the_allow_list_and_still_refuses_other_targets(client):
    query = PREFIXES + """SELECT ?c ?score WHERE { SERVICE text:search { ?c text:query "terroristen" ;
        text:lang "nl" ; text:score ?score } ?c a nkg:Claim } ORDER BY DESC(?score)"""
    response = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert [row["c"]["value"].rsplit("-", 1)[-1] for row in rows] == ["04"]
    assert rows[0]["score"]["datatype"] == "http://www.w3.org/2001/XMLSchema#double"
    other = client.get("/sparql", params={"query": query.replace("text:search", "text:other")},
                       headers={"Accept": JSON})
    assert other.status_code in (400, 403) and "allow" in other.text.lower()


def test_past_a_thousand_rows_the_block_is_a_subquery_with_the_same_answers(fresh, monkeypatch):
    rows = " ".join(f'<urn:x:s{i}> a <https://w3id.org/newskg/ontology#Claim> ; <{LABEL}> "luchtschip {i}"@nl .'
                    for i in range(1200))
    fresh.update(f"INSERT DATA {{ {rows} }}")
    query = PREFIXES + """SELECT ?c ?score WHERE { SERVICE text:search { ?c text:query "luchtschip" ;
        text:score ?score } ?c a nkg:Claim } ORDER BY DESC(?score) ?c"""
    assert "{ SELECT * WHERE { VALUES" in rewrite_text_search(query, fresh.text_index)
    wrapped = answer_rows(fresh, query)
    monkeypatch.setattr(sparql_service, "PLAIN_VALUES_ROWS", 10_000)
    assert "{ SELECT * WHERE { VALUES" not in rewrite_text_search(query, fresh.text_index)
    assert answer_rows(fresh, query) == wrapped and len(wrapped) == 1200
