"""Linked Data over a real server, with httpx: minted IRIs resolve (303 to a document), content negotiation gives
HTML, Turtle, JSON-LD, N-Triples or TriG, unknown IRIs are 404 and unacceptable types 406; the query UI's own
requests (YASGUI's Accept headers) are answered, and its assets are served from this server."""

from __future__ import annotations

import json

import httpx
import pyoxigraph as ox
import pytest

TOKAYEV = "https://w3id.org/newskg/id/actor/tokayev"
CLAIM_16 = "https://w3id.org/newskg/id/claim/nunl-6177422-16"
NKG = "https://w3id.org/newskg/ontology#"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from newskg_test_servers import RunningServer

    server = RunningServer(tmp_path_factory.mktemp("ld") / "store")
    yield server.url
    server.stop()


def get(base, path, accept=None, **kw):
    return httpx.get(base + path, headers={"Accept": accept} if accept else {}, timeout=30, **kw)


def test_a_minted_iri_answers_303_to_its_document(base):
    response = get(base, "/id/actor/tokayev", "text/html")
    assert response.status_code == 303
    assert response.headers["location"] == "/doc/id/actor/tokayev"
    assert "accept" in response.headers["vary"].lower()


def test_a_browser_gets_the_html_page(base):
    response = get(base, "/id/actor/tokayev", "text/html,application/xhtml+xml,*/*;q=0.8", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Kassym-Jomart Tokayev" in response.text
    assert 'href="/id/claim/nunl-6177422-14"' in response.text  # links on to other resources' pages
    assert "http://www.wikidata.org/entity/Q200881" in response.text


def test_turtle_by_accept_is_the_resources_triples(base):
    response = get(base, "/id/actor/tokayev", "text/turtle", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = [q.triple for q in ox.parse(response.content, ox.RdfFormat.TURTLE)]
    assert ox.Triple(ox.NamedNode(TOKAYEV), ox.NamedNode(NKG + "wikidata"),
                     ox.NamedNode("http://www.wikidata.org/entity/Q200881")) in triples
    assert {t.subject.value for t in triples} == {TOKAYEV}


def test_json_ld_of_a_claim_carries_its_named_graph(base):
    response = get(base, "/id/claim/nunl-6177422-16", "application/ld+json", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    json.loads(response.text)
    quads = list(ox.parse(response.content, ox.RdfFormat.JSON_LD))
    graphs = {q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert graphs == {CLAIM_16}
    assert ox.Quad(ox.NamedNode(CLAIM_16), ox.NamedNode(NKG + "status"), ox.NamedNode(NKG + "Withdrawn"),
                   ox.DefaultGraph()) in quads


def test_n_triples_and_suffixes_select_the_format(base):
    nt = get(base, "/doc/id/claim/nunl-6177422-16", "application/n-triples")
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert all(line.endswith(" .") for line in nt.text.strip().splitlines())
    trig = get(base, "/doc/id/claim/nunl-6177422-16.trig")
    assert trig.headers["content-type"].startswith("application/trig")
    assert "164" in trig.text
    assert get(base, "/doc/id/actor/tokayev.ttl").headers["content-type"].startswith("text/turtle")
    assert get(base, "/doc/id/actor/tokayev.html").headers["content-type"].startswith("text/html")


def test_an_unknown_iri_is_404(base):
    assert get(base, "/id/actor/nobody", "text/html").status_code == 404
    assert get(base, "/doc/id/actor/nobody", "text/turtle").status_code == 404
    assert get(base, "/graph/nothing-here", "text/html").status_code == 404


def test_an_unacceptable_accept_is_406(base):
    assert get(base, "/id/actor/tokayev", "image/png").status_code == 406
    assert get(base, "/doc/id/actor/tokayev", "image/png").status_code == 406
    assert get(base, "/ontology", "application/pdf").status_code == 406


def test_graph_iris_resolve_too(base):
    response = get(base, "/graph/wikidata-snapshot", "application/trig", follow_redirects=True)
    assert response.status_code == 200
    assert "Kazakhstan" in response.text


def test_the_ontology_is_html_for_people_and_turtle_for_machines(base):
    html = get(base, "/ontology", "text/html")
    assert html.status_code == 200 and 'id="Claim"' in html.text and "bewering" in html.text
    turtle = get(base, "/ontology", "text/turtle")
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, ox.RdfFormat.TURTLE))
    assert any(t.subject.value == NKG + "Claim" for t in triples)
    assert get(base, "/ontology/0.1.0", "application/ld+json").status_code == 200
    assert get(base, "/ontology/9.9.9", "text/turtle").status_code == 404


@pytest.mark.parametrize("accept, query", [
    ("application/sparql-results+json,*/*;q=0.9", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
    ("application/n-triples,*/*;q=0.9", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"),
    ("text/turtle,*/*;q=0.9", "DESCRIBE <https://w3id.org/newskg/id/actor/tokayev>"),
])
def test_yasgui_accept_headers_are_answered(base, accept, query):
    response = httpx.post(base + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, response.text


def test_the_query_ui_ships_its_assets_and_examples(base):
    page = get(base, "/", "text/html")
    assert page.status_code == 200
    assert 'src="/static/yasgui/yasgui.min.js"' in page.text
    assert "http://" not in page.text.split("<script", 1)[0].replace("http://www.w3.org", "")  # no CDN links
    assert page.text.count('class="example"') == 20
    assert '"text": "https://w3id.org/newskg/text#"' in page.text  # the editor knows text:score's prefix
    for asset in ("/static/yasgui/yasgui.min.js", "/static/yasgui/yasgui.min.css", "/static/leaflet/leaflet.js",
                  "/static/leaflet/leaflet.css", "/static/ui.js", "/static/article.js", "/static/newskg.css"):
        assert get(base, asset).status_code == 200, asset
    assert get(base, "/static/../kg.py").status_code == 404


def test_the_article_view_lists_every_claim(base):
    page = get(base, "/article/nunl-6177422", "text/html")
    assert page.status_code == 200
    assert page.text.count('<tr class="claim-row') == 23
    assert get(base, "/article/nothing", "text/html").status_code == 404
