"""POST /articles, /articles/validate, /claims/validate, /claims and GET /actors over the real app, hostile input too."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from newskg.ingest.claims import read_sheet

from .helpers import ARTICLE, ARTICLE_JSON, AUTH, SHEET, row

SHEET_ROWS = read_sheet(SHEET.read_bytes(), "csv", 1000)
MARKER = "EVIL"
HOSTILE = [
    f"x> }} ; DROP ALL ; {{ {MARKER}",
    f'x" ; DROP ALL ; "{MARKER}',
    f"x\\u003e }} UNION {{ ?s ?p ?o }} {MARKER}",
    f"# {MARKER}\n}} DROP ALL",
    f"{MARKER}" + "{" * 3000,
    f"{MARKER}" + "y" * 30_000,
]


@pytest.fixture
def recorded(client):
    """Every SPARQL text the app's store evaluates."""
    store = client.app.state.kg.store
    texts: list[str] = []
    query, update = store.query, store.update

    def recording_query(sparql, *args, **kwargs):
        texts.append(sparql)
        return query(sparql, *args, **kwargs)

    def recording_update(sparql, *args, **kwargs):
        texts.append(sparql)
        return update(sparql, *args, **kwargs)

    store.query, store.update = recording_query, recording_update
    yield texts
    store.query, store.update = query, update


@pytest.fixture
def with_article(client):
    answer = client.post("/articles", json=ARTICLE_JSON, headers=AUTH)
    assert answer.status_code == 201, answer.text
    return client


def test_add_article_is_201_with_its_iri_and_assertion_then_409(client):
    answer = client.post("/articles", json=ARTICLE_JSON, headers=AUTH)
    assert answer.status_code == 201
    assert answer.json()["iri"] == ARTICLE and answer.json()["assertion"]["status"] == "active"
    assert client.post("/articles", json=ARTICLE_JSON, headers=AUTH).status_code == 409


def test_writes_need_the_token_and_validation_writes_nothing(client):
    assert client.post("/articles", json=ARTICLE_JSON).status_code == 401
    assert client.post("/claims", json={"article": ARTICLE, "claims": SHEET_ROWS}).status_code == 401
    checked = client.post("/articles/validate", json=ARTICLE_JSON)
    assert checked.status_code == 200 and checked.json()["conforms"] and checked.json()["iri"] == ARTICLE
    assert client.post("/articles", json=ARTICLE_JSON, headers=AUTH).status_code == 201  # nothing was written before


def test_claims_validate_then_write_a_sheet_of_five(with_article):
    body = {"article": ARTICLE, "claims": SHEET_ROWS}
    checked = with_article.post("/claims/validate", json=body)
    assert checked.status_code == 200
    assert checked.json()["conforms"] and checked.json()["errors"] == [] and len(checked.json()["claims"]) == 5
    assert "nkg:Claim" in checked.json()["trig"]
    written = with_article.post("/claims", json=body, headers=AUTH)
    assert written.status_code == 201 and len(written.json()["claims"]) == 5
    assert written.json()["assertion"]["graphs"] == sorted(written.json()["claims"])


def test_bad_rows_are_listed_with_row_and_column_and_nothing_is_written(with_article):
    body = {"article": ARTICLE, "claims": [*SHEET_ROWS, row(claimant="Tokajev", status="maybe")]}
    checked = with_article.post("/claims/validate", json=body).json()
    assert not checked["conforms"]
    assert {(e["row"], e["column"]) for e in checked["errors"]} == {(6, "claimant"), (6, "status")}
    refused = with_article.post("/claims", json=body, headers=AUTH)
    assert refused.status_code == 400
    assert {(e["row"], e["column"]) for e in refused.json()["detail"]["errors"]} == {(6, "claimant"), (6, "status")}
    assert with_article.post("/claims", json={"article": ARTICLE, "claims": SHEET_ROWS}, headers=AUTH).json()[
        "claims"][0].endswith("-01")  # the refused sheet left nothing behind


def test_shacl_violation_is_422_with_the_report(with_article):
    rows = [row(event="het herstel van Voorbeeld", event_new="Recovery", occurrence="1", claimant="Voorbeeldkrant")]
    checked = with_article.post("/claims/validate", json={"article": ARTICLE, "claims": rows}).json()
    assert not checked["conforms"] and checked["errors"] == []
    assert any("recovery" in r["message"].lower() for r in checked["results"])
    answer = with_article.post("/claims", json={"article": ARTICLE, "claims": rows}, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["detail"]["results"]


def test_unknown_article_is_404(client):
    answer = client.post("/claims/validate", json={"article": "https://w3id.org/newskg/id/article/none",
                                                   "claims": [row()]})
    assert answer.status_code == 404


def test_actors_best_match_first(client):
    found = client.get("/actors", params={"q": "tokayev"}).json()
    assert found[0] == {"iri": "https://w3id.org/newskg/id/actor/tokayev", "label": "Kassym-Jomart Tokayev",
                        "qid": "Q200881", "type": "https://w3id.org/newskg/ontology#Person"}
    assert client.get("/actors", params={"q": "Q40464"}).json()[0]["iri"].endswith("/actor/afp")
    assert len(client.get("/actors", params={"limit": 3}).json()) == 3
    assert client.get("/actors", params={"limit": 0}).status_code == 400
    assert client.get("/actors", params={"q": "x" * 501}).status_code == 400


# ---------------------------------------------------------------------------------------------------- hostile
@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_values_never_reach_sparql_nor_500(with_article, recorded, payload):
    requests = [
        ("/claims/validate", {"article": payload, "claims": [row()]}),
        ("/claims/validate", {"article": ARTICLE, "claims": [row(claimant=payload)]}),
        ("/claims/validate", {"article": ARTICLE, "claims": [row(event=payload, figure_of=payload,
                                                                 figure_kind="deaths", figure_value=payload)]}),
        ("/claims/validate", {"article": ARTICLE, "claims": [row(quote=payload, date=payload, status=payload)]}),
        ("/claims", {"article": ARTICLE, "claims": [row(claimant=payload, claimant_new="Person")]}),
        ("/articles/validate", {**ARTICLE_JSON, "url": payload, "publisher": payload}),
        ("/articles", {**ARTICLE_JSON, "url": "https://example.org/9999/x", "publisher": payload, "title": payload}),
    ]
    for path, body in requests:
        answer = with_article.post(path, json=body, headers=AUTH)
        assert answer.status_code < 500, (path, answer.text[:300])
    assert with_article.get("/actors", params={"q": payload[:500]}).status_code < 500
    for text in recorded:  # the payload is only ever data: inside literals of one INSERT DATA, never an operation
        if MARKER in text:
            assert text.startswith("INSERT DATA")
            scratch = ox.Store()
            scratch.update(text)
            for quad in scratch:
                assert all(MARKER not in term.value for term in (quad.subject, quad.predicate, quad.graph_name)
                           if isinstance(term, ox.NamedNode))
                assert not (isinstance(quad.object, ox.NamedNode) and MARKER in quad.object.value)
    assert with_article.post("/claims/validate", json={"article": ARTICLE, "claims": [row()]}).status_code == 200


@pytest.mark.parametrize("body, status", [
    (b"[" * 100_000 + b"]" * 100_000, 400),  # nesting past the JSON parser's stack
    (b'{"article": 1, "claims": []}', 400),
    (b'{"article": "x", "claims": {"a": 1}}', 400),
    (b"[]", 400),
    (b"not json", 400),
    (b'{"text": "\\ud800", "url": "https://example.org/1", "title": "t", "publisher": "p", "date": "2024-01-01", '
     b'"lang": "nl"}', 400),
])
def test_malformed_bodies_are_400(client, body, status):
    for path in ("/claims/validate", "/articles/validate"):
        answer = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == status, answer.text[:200]


def test_nested_row_values_huge_values_and_too_many_rows(with_article):
    settings = with_article.app.state.kg.settings
    nested = with_article.post("/claims/validate", json={"article": ARTICLE, "claims": [row(quote={"a": [1]})]})
    assert nested.status_code == 200 and nested.json()["errors"][0]["column"] == "quote"
    huge = with_article.post("/claims/validate", json={"article": ARTICLE, "claims": [row(quote="x" * 100_000)]})
    assert huge.status_code == 200 and "longer than" in huge.json()["errors"][0]["message"]
    many = [row()] * (settings.max_sheet_rows + 1)
    assert with_article.post("/claims/validate", json={"article": ARTICLE, "claims": many}).status_code == 400
    not_a_row = with_article.post("/claims/validate", json={"article": ARTICLE, "claims": ["quote"]})
    assert not_a_row.json()["errors"][0]["row"] == 1


def test_wrong_media_type_is_415_and_too_large_is_413(client):
    assert client.post("/claims/validate", content=json.dumps({"article": ARTICLE, "claims": []}),
                       headers={"Content-Type": "text/plain"}).status_code == 415
    limit = client.app.state.kg.settings.max_body_bytes
    big = client.post("/claims/validate", content=b" " * (limit + 1), headers={"Content-Type": "application/json"})
    assert big.status_code == 413
