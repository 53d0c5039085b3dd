"""GET /search over the app with a real on-disk store and its text index: answers, errors, hostile input."""

from __future__ import annotations

import re

import pytest

CLAIM_04 = "https://w3id.org/newskg/id/claim/nunl-6177422-04"
TOKAYEV = "https://w3id.org/newskg/id/actor/tokayev"
ARTICLE = "https://w3id.org/newskg/id/article/nunl-6177422"
HTML = {"Accept": "text/html"}
AUTH = {"Authorization": "Bearer test-token"}
HOSTILE_GRAPH = "urn:x:hostile"
HOSTILE_LABEL = '<script>alert(1)</script> <img src=x onerror="alert(2)"> luchtschipbouwers &amp; <b>co</b>'


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """One app for the tests that only read (opening the store and indexing the seed takes a second)."""
    from fastapi.testclient import TestClient

    from newskg.core.config import Settings
    from newskg.web.app import create_app

    settings = Settings(store=tmp_path_factory.mktemp("search") / "store", write_token="test-token")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _hits(client, **params) -> list[dict]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["hits"]


def _only_bold_markup(snippet: str) -> bool:
    return all(tag in ("<b>", "</b>") for tag in re.findall(r"<[^>]*>?", snippet)) and "<" not in re.sub(
        r"</?b>", "", snippet)


# --------------------------------------------------------------------------------------------- answers
def test_dutch_search_for_terrorist_finds_the_claim_with_terroristen_en_bandieten(reader):
    body = reader.get("/search", params={"q": "terrorist", "lang": "nl"}).json()
    assert body["query"] == "terrorist"
    (quote,) = [h for h in body["hits"] if h["iri"] == CLAIM_04 and h["field"] == "quote"]
    assert quote["type"] == "claim" and quote["lang"] == "nl" and quote["score"] > 0
    assert '"<b>terroristen</b> en bandieten"' in quote["snippet"]
    assert quote["claimant"] == TOKAYEV and quote["claimantLabel"] == "Kassym-Jomart Tokayev"
    assert quote["status"] == "asserted" and quote["article"] == ARTICLE
    assert quote["href"] == "/article/nunl-6177422#nunl-6177422-04"
    assert all(h["lang"] == "nl" for h in body["hits"])


def test_a_claim_hit_links_to_its_mark_in_the_article_view(reader):
    (hit,) = [h for h in _hits(reader, q="terroristen", lang="nl", type="claim") if h["field"] == "quote"]
    path, anchor = hit["href"].split("#")
    page = reader.get(path, headers=HTML)
    assert page.status_code == 200
    assert '<mark class="claim status-asserted' in page.text and f'data-claim="{anchor}"' in page.text


def test_english_search_finds_the_translation_and_other_hits_link_to_their_pages(reader):
    hits = _hits(reader, q="terrorists", lang="en")
    assert any(h["iri"] == CLAIM_04 and h["field"] == "translation" for h in hits)
    actor = _hits(reader, q="tokayev", type="actor", limit="1")
    assert [(h["iri"], h["href"], h["claimant"], h["status"]) for h in actor] == [
        (TOKAYEV, "/doc/id/actor/tokayev", None, None)]
    article = _hits(reader, q="relschoppers", type="article", lang="nl")
    assert article and {(h["iri"], h["href"], h["article"]) for h in article} == {
        (ARTICLE, "/article/nunl-6177422", ARTICLE)}


def test_type_filter_accepts_a_list_and_limit_caps_the_hits(reader):
    hits = _hits(reader, q="tokayev", type="claim,actor", limit="50")
    assert {h["type"] for h in hits} == {"claim", "actor"}
    repeated = reader.get("/search", params=[("q", "tokayev"), ("type", "claim"), ("type", "actor"),
                                             ("limit", "50")]).json()["hits"]
    assert repeated == hits
    assert len(_hits(reader, q="tokayev", limit="2")) == 2


def test_accents_and_case_are_folded(reader):
    hits = _hits(reader, q="TÉRRORISTEN", lang="nl", type="claim")
    assert any(h["iri"] == CLAIM_04 for h in hits)


def test_browsers_get_the_results_page_with_the_box_filled_in_and_highlighted_snippets(reader):
    page = reader.get("/search", params={"q": "terrorist", "lang": "nl"}, headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Accept" in page.headers["vary"]
    assert 'name="q" value="terrorist"' in page.text
    assert '<option value="nl" selected>' in page.text
    assert 'href="/article/nunl-6177422#nunl-6177422-04"' in page.text
    assert "<b>terroristen</b> en bandieten" in page.text
    assert 'claimed by <a href="/id/actor/tokayev">Kassym-Jomart Tokayev</a>' in page.text
    assert reader.get("/search", params={"q": "terrorist", "format": "html"}).headers["content-type"].startswith(
        "text/html")


def test_every_page_has_the_search_box(reader):
    for path in ("/", "/ontology", "/doc/id/actor/tokayev", "/article/nunl-6177422", "/articles/new", "/search"):
        page = reader.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert '<form class="site-search" action="/search" method="get" role="search">' in page.text, path


def test_the_search_page_without_q_is_the_empty_form(reader):
    page = reader.get("/search", headers=HTML)
    assert page.status_code == 200 and 'id="search-hits"' not in page.text and 'role="alert"' not in page.text


# --------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("params", "message"), [
    ({}, "q (the words to search for) is missing or empty"),
    ({"q": ""}, "missing or empty"),
    ({"q": "   "}, "missing or empty"),
    ({"q": "x" * 501}, "at most 500"),
    ({"q": "a", "lang": "de"}, "unknown lang 'de'"),
    ({"q": "a", "lang": "NL"}, "unknown lang"),
    ({"q": "a", "type": "claims"}, "unknown type 'claims'"),
    ({"q": "a", "limit": "ten"}, "whole number"),
    ({"q": "a", "limit": "1.5"}, "whole number"),
    ({"q": "a", "limit": "-1"}, "whole number"),
    ({"q": "a", "limit": "0"}, "from 1 to 1000"),
    ({"q": "a", "limit": "1001"}, "from 1 to 1000"),
    ({"q": "a", "limit": "9" * 5000}, "whole number"),
    ({"q": "a", "query": "a"}, "unknown parameter 'query'"),
    ({"q": "(terrorist"}, "search query"),
    ({"q": 'terrorist AND ("'}, "search query"),
])
def test_bad_parameters_are_400_with_a_message(reader, params, message):
    response = reader.get("/search", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == 400 and body["error"] == "Bad request" and message in body["message"]


def test_a_repeated_q_is_400(reader):
    response = reader.get("/search", params=[("q", "a"), ("q", "b")])
    assert response.status_code == 400 and "once" in response.json()["message"]


def test_an_unacceptable_format_is_406(reader):
    assert reader.get("/search", params={"q": "a"}, headers={"Accept": "image/png"}).status_code == 406


def test_a_bad_query_on_the_results_page_is_a_400_page_with_the_message(reader):
    page = reader.get("/search", params={"q": "(terrorist"}, headers=HTML)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in page.text and "search query" in page.text
    assert 'name="q" value="(terrorist"' in page.text


def test_an_in_memory_store_has_no_search_and_says_so_with_501(settings):
    from fastapi.testclient import TestClient

    from newskg.web.app import create_app
    from newskg.kg import KnowledgeGraph
    from newskg.stores.embedded import OxigraphStore

    kg = KnowledgeGraph.open(settings.model_copy(update={"load_seed": False}), store=OxigraphStore())
    try:
        with TestClient(create_app(settings, kg=kg)) as client:
            response = client.get("/search", params={"q": "terrorist"})
            assert response.status_code == 501
            assert response.json()["error"] == "Not implemented" and "text index" in response.json()["message"]
            page = client.get("/search", params={"q": "terrorist"}, headers=HTML)
            assert page.status_code == 501 and "text index" in page.text
    finally:
        kg.close()


# --------------------------------------------------------------------------------------------- hostile input
HOSTILE_QUERIES = [
    '"} } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o',
    "terrorist> } INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> } #",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "terrorist</b><script>alert(1)</script><b>",
    "(" * 249 + "a" + ")" * 249,
    "(" * 250 + "a",
    '"' * 499,
    "a OR " * 99 + "a",
    "iri:*",
    "key:*",
    "type:claim",
    'iri:"https://w3id.org/newskg/id/claim/nunl-6177422-04"',
    "text_nl:/.*/",
    "/.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*/",
    "*",
    "a*" * 100,
    "t*",
    "terror~2",
    "terrorist^1000000000000",
    "[a TO z]",
    "-terrorist",
    "+",
    "\\",
    "Токаев Қасым-Жомарт",
    "恐怖分子 🔥 \u202eterrorist",
    "terroriste\u0301n",
    "terrorist\u0000",
    "\ufffd\ud7ff",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_are_answered_or_refused_never_a_server_error(reader, query):
    before = reader.get("/health").json()["triples"]
    response = reader.get("/search", params={"q": query})
    assert response.status_code in (200, 400), response.text
    body = response.json()
    if response.status_code == 200:
        assert body["query"] == query
        for hit in body["hits"]:
            assert _only_bold_markup(hit["snippet"]), hit["snippet"]
    else:
        assert body["message"]
    page = reader.get("/search", params={"q": query}, headers=HTML)
    assert page.status_code == response.status_code
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert reader.get("/health").json()["triples"] == before


def test_the_query_is_escaped_on_the_results_page(reader):
    page = reader.get("/search", params={"q": '"><script>alert(1)</script>'}, headers=HTML)
    assert "<script>alert(1)" not in page.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text


def test_stored_markup_reaches_snippets_escaped_and_leaves_with_its_graph(client):
    turtle = f'<urn:x:thing> <http://www.w3.org/2000/01/rdf-schema#label> "{HOSTILE_LABEL.replace(chr(34), chr(92) + chr(34))}"@nl .'
    put = client.put("/store", params={"graph": HOSTILE_GRAPH}, content=turtle,
                     headers={"Content-Type": "text/turtle", **AUTH})
    assert put.status_code in (201, 204), put.text
    (hit,) = _hits(client, q="luchtschipbouwers")
    assert hit["iri"] == "urn:x:thing" and hit["type"] == "other" and hit["field"] == "label"
    assert hit["href"] == "urn:x:thing" and hit["claimant"] is None
    snippet = hit["snippet"]
    assert _only_bold_markup(snippet), snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet and "&lt;img src=x" in snippet
    assert "<b>luchtschipbouwers</b>" in snippet and "&amp;amp; &lt;b&gt;co" in snippet
    page = client.get("/search", params={"q": "luchtschipbouwers"}, headers=HTML)
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert client.delete("/store", params={"graph": HOSTILE_GRAPH}, headers=AUTH).status_code == 204
    assert _hits(client, q="luchtschipbouwers") == []


def test_safe_snippet_keeps_only_bold_and_is_idempotent():
    from newskg.search.results import safe_snippet

    raw = 'a &amp; <b>b</b> <script>x</script> &lt;i&gt; "q" <b onclick=x>c</b>'
    once = safe_snippet(raw)
    assert once == 'a &amp; <b>b</b> &lt;script&gt;x&lt;/script&gt; &lt;i&gt; "q" &lt;b onclick=x&gt;c</b>'
    assert safe_snippet(once) == once
