"""The terms each part of the data is offered under, in the VoID description of a real server, and the Wikidata
snapshot's date in the VoID and on the query page (README, "Data and licences")."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest
import rdflib

from newskg_test_servers import ROOT
from newskg.wikidata.snapshot import snapshot_date

VOID_PREFIXES = """PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
CC_BY = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
CC0 = rdflib.URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
CC_BY_SA = rdflib.URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
SNAPSHOT_GRAPH = rdflib.URIRef("https://w3id.org/newskg/graph/wikidata-snapshot")
WIKIPEDIA_GRAPH = rdflib.URIRef("https://w3id.org/newskg/graph/snapshot-wikipedia")
ARTICLE = "https://w3id.org/newskg/id/article/nunl-6177422"
SHIPPED_SNAPSHOT_DATE = snapshot_date(ROOT / "graph" / "wikidata-snapshot.trig")


def _date_time(text: str):
    return rdflib.Literal(text, datatype=rdflib.XSD.dateTime).toPython()


def _void(server, accept: str = "text/turtle", syntax: str = "turtle") -> rdflib.Graph:
    response = httpx.get(server.url + "/.well-known/void", headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.text, format=syntax)


def _select(graph: rdflib.Graph, query: str) -> list[dict]:
    return [row.asdict() for row in graph.query(VOID_PREFIXES + query)]


def _ask_server(server, query: str) -> list[dict]:
    response = httpx.get(server.url + "/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


@pytest.mark.parametrize("accept, syntax", [("text/turtle", "turtle"), ("application/rdf+xml", "xml")])
def test_void_names_the_terms_of_each_part(server, accept, syntax):
    void = _void(server, accept, syntax)

    # our own triples: CC BY 4.0 on the dataset, with a rights statement naming the parts under other terms
    rows = _select(void, """SELECT ?d ?license ?text WHERE {
        ?d a void:Dataset ; void:classPartition ?any ; dcterms:license ?license ;
           dcterms:rights [ a dcterms:RightsStatement ; rdfs:label ?text ] } GROUP BY ?d ?license ?text""")
    assert len(rows) == 1 and rows[0]["license"] == CC_BY
    assert "CC BY 4.0" in rows[0]["text"] and "research and quotation" in rows[0]["text"]
    dataset = rows[0]["d"]

    # the Wikidata snapshot: CC0 as Wikidata states it, its source, and the date the snapshot records
    rows = _select(void, f"""SELECT ?license ?rights ?source ?generated ?n WHERE {{
        <{dataset}> void:subset <{SNAPSHOT_GRAPH}> .
        <{SNAPSHOT_GRAPH}> a void:Dataset ; dcterms:license ?license ; dcterms:rights ?rights ;
            dcterms:source ?source ; prov:generatedAtTime ?generated ; void:triples ?n }}""")
    assert len(rows) == 1, rows
    assert rows[0]["license"] == CC0
    assert rows[0]["rights"] == rdflib.URIRef("https://www.wikidata.org/wiki/Wikidata:Licensing")
    assert rows[0]["source"] == rdflib.URIRef("https://www.wikidata.org/")
    assert SHIPPED_SNAPSHOT_DATE is not None and rows[0]["generated"].datatype == rdflib.XSD.dateTime
    assert rows[0]["generated"].toPython() == _date_time(SHIPPED_SNAPSHOT_DATE)
    in_store = _ask_server(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{SNAPSHOT_GRAPH}> {{ ?s ?p ?o }} }}")
    assert int(rows[0]["n"]) == int(in_store[0]["n"]["value"]) > 0

    # the values from Wikipedia are not Wikidata's: CC BY-SA 4.0, with the page they come from
    rows = _select(void, f"""SELECT ?license ?source WHERE {{ <{dataset}> void:subset <{WIKIPEDIA_GRAPH}> .
        <{WIKIPEDIA_GRAPH}> dcterms:license ?license ; dcterms:source ?source }}""")
    assert rows == [{"license": CC_BY_SA, "source": rdflib.URIRef("https://en.wikipedia.org/wiki/Almaty")}]

    # the ontology keeps the licence its own header declares
    rows = _select(void, f"""SELECT ?license WHERE {{ <{dataset}> void:subset ?o .
        ?o rdfs:seeAlso <https://w3id.org/newskg/ontology> ; dcterms:license ?license }}""")
    declared = rdflib.Graph().parse(ROOT / "ontology" / "newskg.ttl").value(
        rdflib.URIRef("https://w3id.org/newskg/ontology"), rdflib.DCTERMS.license)
    assert declared is not None and [r["license"] for r in rows] == [declared]

    # the article's text: not licensed by us; its source address, its rights holder and a rights statement
    rows = _select(void, f"""SELECT ?subset ?source ?holder ?text ?n WHERE {{
        <{dataset}> void:subset ?subset .
        ?subset dcterms:subject <{ARTICLE}> ; dcterms:source ?source ; dcterms:rightsHolder ?holder ;
            void:triples ?n ; dcterms:rights [ a dcterms:RightsStatement ; rdfs:label ?text ] .
        FILTER NOT EXISTS {{ ?subset dcterms:license ?any }} }}""")
    assert len(rows) == 1, rows
    article = _ask_server(server, f"""SELECT ?url ?publisher ?name WHERE {{ <{ARTICLE}>
        <http://schema.org/url> ?url ; <http://schema.org/publisher> ?publisher .
        ?publisher <http://www.w3.org/2000/01/rdf-schema#label> ?name FILTER(LANG(?name) = "en") }}""")
    url = article[0]["url"]["value"]
    assert url.startswith("https://www.nu.nl/") and str(rows[0]["source"]) == url
    assert str(rows[0]["holder"]) == article[0]["publisher"]["value"]
    assert article[0]["name"]["value"] == "NU.nl"
    text = str(rows[0]["text"])
    assert "held for research and quotation" in text and "rights remain with the publisher, NU.nl" in text
    quoted = _ask_server(server, f"""SELECT (COUNT(*) AS ?n) WHERE {{ ?c <https://w3id.org/newskg/ontology#reportedIn>
        <{ARTICLE}> . {{ ?c <https://w3id.org/newskg/ontology#quote> ?t }} UNION
        {{ ?c <https://w3id.org/newskg/ontology#translation> ?t }} }}""")
    assert int(rows[0]["n"]) == 1 + int(quoted[0]["n"]["value"])  # the body, the quotes and their translations


def test_an_article_written_later_gets_its_own_rights_from_the_data(server):
    """The article subsets come from the store: a new article's publisher (a name with quotes and angle brackets)
    and address appear as terms, escaped by the serializer, never pasted as text."""
    publisher = "https://w3id.org/newskg/id/actor/test-publisher"
    name = 'De "Krant" <b>& zo</b>'
    update = f"""PREFIX schema: <http://schema.org/>
    INSERT DATA {{
      <https://w3id.org/newskg/id/article/test-1> schema:articleBody "Tekst."@nl ;
          schema:url <https://example.org/nieuws/1?a=1&b=2> ; schema:publisher <{publisher}> .
      <{publisher}> <http://www.w3.org/2000/01/rdf-schema#label> {rdflib.Literal(name, lang="en").n3()} . }}"""
    written = httpx.post(server.url + "/sparql", data={"update": update},
                         headers={"Authorization": "Bearer test-token"}, timeout=30)
    assert written.status_code == 204, written.text
    void = _void(server, "application/ld+json", "json-ld")
    rows = _select(void, """SELECT ?subset ?source ?holder ?text WHERE {
        ?subset dcterms:subject <https://w3id.org/newskg/id/article/test-1> ; dcterms:source ?source ;
            dcterms:rightsHolder ?holder ; dcterms:rights/rdfs:label ?text }""")
    assert len(rows) == 1, rows
    assert rows[0]["source"] == rdflib.URIRef("https://example.org/nieuws/1?a=1&b=2")
    assert rows[0]["holder"] == rdflib.URIRef(publisher)
    assert str(rows[0]["text"]).endswith(f"rights remain with the publisher, {name}.")
    subsets = _select(void, "SELECT ?s WHERE { ?s dcterms:subject ?article ; dcterms:source ?src }")
    assert len(subsets) == 2  # the shipped article and this one


class _Element(HTMLParser):
    """The text inside the element with a given id (and its <time> element's datetime attribute)."""

    def __init__(self, wanted: str):
        super().__init__()
        self.wanted, self.depth, self.text, self.datetime, self.found = wanted, 0, "", None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "time":
                self.datetime = attrs.get("datetime")
        elif attrs.get("id") == self.wanted:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text += data


def _offline_line(url: str) -> _Element:
    response = httpx.get(url + "/", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    element = _Element("wikidata-offline")
    element.feed(response.text)
    return element


def test_query_page_gives_the_snapshot_date_in_offline_mode(server_factory):
    offline = server_factory(env={"NEWSKG_WIKIDATA_OFFLINE": "true"})
    line = _offline_line(offline.url)
    assert line.found
    text = " ".join(line.text.split())
    assert text == f"Wikidata SERVICE answers in offline mode come from a snapshot taken on {SHIPPED_SNAPSHOT_DATE[:10]}."
    assert line.datetime == SHIPPED_SNAPSHOT_DATE
    # the date shown is the one the VoID gives
    void = _void(offline)
    assert void.value(SNAPSHOT_GRAPH, rdflib.PROV.generatedAtTime).toPython() == _date_time(line.datetime)


def test_query_page_says_nothing_of_the_snapshot_when_online(server):
    assert not _offline_line(server.url).found


def test_query_page_without_a_recorded_date_says_so(server_factory, tmp_path):
    """A store whose snapshot graph has no recorded date: the page says the date is not recorded, never invents one."""
    offline = server_factory(env={"NEWSKG_WIKIDATA_OFFLINE": "true", "NEWSKG_WRITE_TOKEN": "test-token"})
    dropped = httpx.post(offline.url + "/sparql", headers={"Authorization": "Bearer test-token"}, timeout=30, data={
        "update": f"DELETE WHERE {{ <{SNAPSHOT_GRAPH}> <http://www.w3.org/ns/prov#generatedAtTime> ?d }}"})
    assert dropped.status_code == 204, dropped.text
    line = _offline_line(offline.url)
    assert line.found and line.datetime is None
    assert "whose date is not recorded" in " ".join(line.text.split())
    void = _void(offline)
    assert void.value(SNAPSHOT_GRAPH, rdflib.PROV.generatedAtTime) is None
    assert void.value(SNAPSHOT_GRAPH, rdflib.DCTERMS.license) == CC0
