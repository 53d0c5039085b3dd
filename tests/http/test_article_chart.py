"""The article view of a report whose text we do not hold, and its chart of arrests and deaths across sources."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

SVG = "{http://www.w3.org/2000/svg}"
# Two text-less reports (A, B) about one story, a third (C) about another; an outlet's label that must be escaped.
PLANTED = """
@prefix nkg: <https://w3id.org/newskg/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/newskg/id/> .

id:event\\/test-unrest a nkg:Unrest ; rdfs:label "test unrest"@en .
id:event\\/test-arrests a nkg:MassArrest ; sem:subEventOf id:event\\/test-unrest .
id:event\\/test-other a nkg:Unrest ; rdfs:label "another story"@en .
id:actor\\/test-outlet-a a nkg:NewsOrganisation ; rdfs:label "Outlet <A> & \\"sons\\""@en .
id:actor\\/test-outlet-b a nkg:NewsOrganisation ; rdfs:label "Outlet B"@en .
id:actor\\/test-minister a nkg:Person ; rdfs:label "Test minister"@en .
id:time\\/test-d1 a nkg:TimeSpec ; nkg:earliest "2022-01-09"^^xsd:date ; nkg:latest "2022-01-09"^^xsd:date .
id:time\\/test-d2 a nkg:TimeSpec ; nkg:earliest "2022-01-10"^^xsd:date ; nkg:latest "2022-01-10"^^xsd:date .
id:time\\/test-d3 a nkg:TimeSpec ; nkg:earliest "2022-01-15"^^xsd:date ; nkg:latest "2022-01-15"^^xsd:date .

id:article\\/test-report-a a nkg:Article ; rdfs:label "Test report A"@en ; schema:url <https://example.org/report-a> ;
    schema:publisher id:actor\\/test-outlet-a ; schema:datePublished "2022-01-09"^^xsd:date ; schema:inLanguage "en" .
id:article\\/test-report-b a nkg:Article ; rdfs:label "Test report B"@en ; schema:url "javascript:alert(1)" ;
    schema:publisher id:actor\\/test-outlet-b ; schema:datePublished "2022-01-15"^^xsd:date .
id:article\\/test-report-c a nkg:Article ; rdfs:label "Test report C"@en ; schema:url <https://example.org/report-c> .

id:claim\\/test-a-01 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-a ; nkg:claimant id:actor\\/test-minister ;
    nkg:statedAt id:time\\/test-d1 ; nkg:status nkg:Asserted ; nkg:aboutEvent id:event\\/test-arrests ;
    nkg:summary "The minister put the arrests at about 100."@en .
id:claim\\/test-a-02 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-a ; nkg:claimant id:actor\\/test-minister ;
    nkg:statedAt id:time\\/test-d1 ; nkg:status nkg:Withdrawn ; nkg:summary "Five dead, later withdrawn."@en .
id:claim\\/test-a-03 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-a ; nkg:statedAt id:time\\/test-d1 ;
    nkg:status nkg:Asserted ; nkg:summary "Forty injured (not charted)."@en .
id:claim\\/test-a-04 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-a ; nkg:status nkg:Asserted ;
    nkg:summary "Twelve dead, on no known date."@en .
id:claim\\/test-b-01 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-b ; nkg:claimant id:actor\\/test-minister ;
    nkg:statedAt id:time\\/test-d2 ; nkg:status nkg:Asserted ; nkg:supersedes id:claim\\/test-a-01 ;
    nkg:summary "Arrests now 150."@en .
id:claim\\/test-b-02 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-b ; nkg:statedAt id:time\\/test-d3 ;
    nkg:status nkg:Asserted ; nkg:summary "Seven dead."@en .
id:claim\\/test-c-01 a nkg:Claim ; nkg:reportedIn id:article\\/test-report-c ; nkg:statedAt id:time\\/test-d2 ;
    nkg:status nkg:Asserted ; nkg:summary "Another story's arrests."@en .

id:claim\\/test-a-01 { id:figure\\/test-a-01 a nkg:Figure ; nkg:figureKind nkg:Arrests ;
    nkg:figureOf id:event\\/test-unrest ;
    nkg:value 100 ; nkg:approximation nkg:About . }
id:claim\\/test-a-02 { id:figure\\/test-a-02 a nkg:Figure ; nkg:figureKind nkg:Deaths ;
    nkg:figureOf id:event\\/test-unrest ;
    nkg:value 5 ; nkg:approximation nkg:Exact . }
id:claim\\/test-a-03 { id:figure\\/test-a-03 a nkg:Figure ; nkg:figureKind nkg:Injured ;
    nkg:figureOf id:event\\/test-unrest ;
    nkg:value 40 . }
id:claim\\/test-a-04 { id:figure\\/test-a-04 a nkg:Figure ; nkg:figureKind nkg:Deaths ;
    nkg:figureOf id:event\\/test-unrest ;
    nkg:value 12 . }
id:claim\\/test-b-01 { id:figure\\/test-b-01 a nkg:Figure ; nkg:figureKind nkg:Arrests ;
    nkg:figureOf id:event\\/test-arrests ;
    nkg:value 150 . }
id:claim\\/test-b-02 { id:figure\\/test-b-02 a nkg:Figure ; nkg:figureKind nkg:Deaths ;
    nkg:figureOf id:event\\/test-unrest ;
    nkg:value 7 . }
id:claim\\/test-c-01 { id:figure\\/test-c-01 a nkg:Figure ; nkg:figureKind nkg:Arrests ;
    nkg:figureOf id:event\\/test-other ;
    nkg:value 999 . }
"""
CHARTED = {"test-a-01", "test-a-02", "test-b-01", "test-b-02"}


@pytest.fixture
def planted(client):
    kg = client.app.state.kg
    kg.store.load(PLANTED.encode(), ox.RdfFormat.TRIG)
    kg.committed()
    return client


def _html(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    return response.text


def _chart(html: str) -> ET.Element:
    """The chart's inline SVG, parsed as XML (so it is well-formed: every label escaped)."""
    match = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert match, "no inline SVG chart in the page"
    return ET.fromstring(match.group(0))


def _points(svg: ET.Element) -> dict[str, ET.Element]:
    points = [a for a in svg.iter(SVG + "a") if "point" in a.get("class", "").split()]
    ids = [a.get("data-claim") for a in points]
    assert len(ids) == len(set(ids)), f"a claim drawn twice: {ids}"
    return dict(zip(ids, points))


def test_a_report_without_text_shows_summaries_and_its_address(planted):
    html = _html(planted, "/article/test-report-a")
    assert 'id="article-text"' not in html and 'id="annotate-form"' not in html  # no empty text box, no form
    assert 'id="no-text"' in html and 'href="https://example.org/report-a"' in html
    rows = re.findall(r'<tr class="claim-row.*?</tr>', html, re.DOTALL)
    assert len(rows) == 4
    first = next(r for r in rows if 'data-claim="test-a-01"' in r)
    assert "The minister put the arrests at about 100." in first
    assert re.search(r'class="external source" href="https://example.org/report-a"', first)
    assert "2022-01-09" in first  # an unlabelled statement date shows its date, not an IRI
    assert '<h1 lang="en">Test report A</h1>' in html


def test_an_address_that_is_not_http_is_never_a_link(planted):
    html = _html(planted, "/article/test-report-b")
    assert "javascript:" not in html


def test_the_chart_has_one_linked_point_per_figure_claim_across_sources(planted):
    svg = _chart(_html(planted, "/article/test-report-a"))
    points = _points(svg)
    assert set(points) == CHARTED  # not the injured, not the undated, not another story's figure
    for claim, point in points.items():
        assert point.get("href") == f"/doc/id/claim/{claim}"
    panels = {g.get("data-kind"): g for g in svg.iter(SVG + "g") if g.get("data-kind")}
    assert set(panels) == {"arrests", "deaths"}
    assert {p.get("data-claim") for p in panels["arrests"].iter(SVG + "a")} == {"test-a-01", "test-b-01"}
    assert "status-withdrawn" in points["test-a-02"].get("class")
    assert "status-withdrawn" not in points["test-b-02"].get("class")
    assert "superseded" in points["test-a-01"].get("class").split()
    title = points["test-a-01"].find(SVG + "title").text
    assert "about 100 arrests" in title and "Test minister" in title and 'Outlet <A> & "sons"' in title
    assert points["test-a-02"].find(SVG + "title").text.endswith("withdrawn")
    assert len([line for line in svg.iter(SVG + "line") if line.get("class") == "supersedes"]) == 1
    # the same chart from the other report about the same story
    assert set(_points(_chart(_html(planted, "/article/test-report-b")))) == CHARTED


def test_later_is_further_right_and_more_is_higher(planted):
    points = _points(_chart(_html(planted, "/article/test-report-a")))

    def at(claim):
        circle = points[claim].find(SVG + "circle")
        return float(circle.get("cx")), float(circle.get("cy"))

    assert at("test-a-01")[0] < at("test-b-01")[0] and at("test-a-01")[1] > at("test-b-01")[1]
    assert at("test-a-02")[0] < at("test-b-02")[0] and at("test-a-02")[1] > at("test-b-02")[1]


def test_the_chart_is_computed_once_per_data_generation(planted, monkeypatch):
    kg = planted.app.state.kg
    asked = []
    query = kg.query

    def counting(sparql, **kwargs):
        asked.append(sparql)
        return query(sparql, **kwargs)

    monkeypatch.setattr(kg, "query", counting)
    _html(planted, "/article/test-report-a")
    charted = [q for q in asked if "figureKind" in q]
    assert len(charted) == 1
    _html(planted, "/article/test-report-a")
    assert len([q for q in asked if "figureKind" in q]) == 1
    kg.committed()
    _html(planted, "/article/test-report-a")
    assert len([q for q in asked if "figureKind" in q]) == 2


def test_the_first_article_charts_figures_from_its_own_claims(client):
    points = _points(_chart(_html(client, "/article/nunl-6177422")))
    assert {"nunl-6177422-01", "nunl-6177422-14", "nunl-6177422-16"} <= set(points)
    assert "status-withdrawn" in points["nunl-6177422-16"].get("class")
