"""The pages as a person uses them, in Debian's Chromium: query UI, resource pages, article view, ontology."""

from __future__ import annotations

import re

import pytest

from .conftest import screenshot

ARTICLE = "/article/nunl-6177422"
WITHDRAWN = "nunl-6177422-16"


def test_query_ui_runs_a_typed_query_and_shows_result_rows(page):
    page.goto(page.base + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.locator("button.example").count() == 20
    editor = page.locator(".yasqe .CodeMirror").first
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(
        "PREFIX nkg: <https://w3id.org/newskg/ontology#>\n"
        "SELECT ?claim ?quote WHERE { ?claim nkg:claimant <https://w3id.org/newskg/id/actor/tokayev> ; nkg:quote ?quote "
    )
    page.keyboard.press("End")
    page.keyboard.type("} ORDER BY ?claim")
    page.locator(".yasqe_queryButton").first.click()
    rows = page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == 4  # Tokayev's claims 04, 05, 07, 14
    assert "nunl-6177422-04" in rows.first.inner_text()
    screenshot(page, "query-ui-typed-query")
    assert not page.console_errors, page.console_errors


def test_example_question_opens_in_its_own_tab_and_answers(page):
    page.goto(page.base + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.locator("button.example", has_text="What did Tokayev claim").click()
    page.locator(".tabsList .tab.active", has_text="07:").wait_for()
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == 4
    screenshot(page, "query-ui-example-07")


def test_resource_page_links_on_to_another_resource(page):
    response = page.goto(page.base + "/id/actor/tokayev")
    assert response.ok
    assert page.url.endswith("/doc/id/actor/tokayev")
    assert page.locator("h1").inner_text() == "Kassym-Jomart Tokayev"
    assert page.locator("p.wikidata a[href='http://www.wikidata.org/entity/Q200881']").count() == 1
    screenshot(page, "resource-tokayev")
    page.locator("table.claims a", has_text="claim 14").first.click()
    page.wait_for_url(re.compile(r".*/doc/id/claim/nunl-6177422-14$"))
    assert "sixteen soldiers" in page.locator("h1").inner_text()
    page.locator("a", has_text="16 soldiers killed").first.click()
    page.wait_for_url(re.compile(r".*/doc/id/figure/nunl-6177422-14$"))
    screenshot(page, "resource-figure-14")


def test_withdrawn_claim_page_is_marked_withdrawn(page):
    page.goto(page.base + "/id/claim/" + WITHDRAWN)
    quote = page.locator("blockquote.quote")
    assert "line-through" in quote.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert page.locator(".claim-summary .status-withdrawn").count() == 1
    screenshot(page, "resource-withdrawn-claim-16")


def test_article_view_marks_all_23_claims_and_the_withdrawn_one_looks_different(page):
    page.goto(page.base + ARTICLE)
    marks = page.locator("#article-text mark.claim")
    ids = set(marks.evaluate_all("ms => ms.map(m => m.dataset.claim)"))
    assert len(ids) == 23
    style = "e => { const s = getComputedStyle(e); return [s.textDecorationLine, s.color, s.backgroundColor]; }"
    withdrawn = page.locator(f"#article-text mark[data-claim='{WITHDRAWN}']").first.evaluate(style)
    asserted = page.locator("#article-text mark[data-claim='nunl-6177422-14']").first.evaluate(style)
    assert withdrawn != asserted
    assert "line-through" in withdrawn[0] and "line-through" not in asserted[0]
    screenshot(page, "article-view")


def test_hovering_a_mark_shows_its_claimant_status_and_translation(page):
    page.goto(page.base + ARTICLE)
    popup = page.locator("#claim-popup")
    page.locator("#article-text mark[data-claim='nunl-6177422-14']").hover()
    popup.wait_for(state="visible")
    assert "Kassym-Jomart Tokayev" in popup.inner_text()
    assert "sixteen soldiers were killed" in popup.inner_text()
    assert popup.locator("a.claim-link").get_attribute("href") == "/id/claim/nunl-6177422-14"
    withdrawn = page.locator(f"#article-text mark[data-claim='{WITHDRAWN}']").first
    withdrawn.evaluate("e => e.scrollIntoView({block: 'center'})")
    withdrawn.hover()
    assert "withdrawn" in popup.inner_text()
    assert "Kazakh state media" in popup.inner_text()
    screenshot(page, "article-hover-withdrawn", full_page=False)


def test_claims_table_filters_by_claimant_and_status(page):
    page.goto(page.base + ARTICLE)
    visible = page.locator("#claims-table tbody tr:visible")
    assert visible.count() == 23
    page.select_option("#filter-status", "withdrawn")
    assert visible.count() == 1
    page.select_option("#filter-status", "")
    page.select_option("#filter-claimant", "https://w3id.org/newskg/id/actor/tokayev")
    assert visible.count() == 4
    page.locator("#claims-table").scroll_into_view_if_needed()
    screenshot(page, "article-claims-filtered", full_page=False)


def test_article_timeline_and_map_show_dated_items_and_places(page):
    page.goto(page.base + ARTICLE)
    assert page.locator("#timeline .tl-row.kind-event").count() >= 5
    assert page.locator("#timeline .tl-row.kind-statement").count() >= 3
    page.locator("#map .leaflet-interactive").first.wait_for()
    labels = page.locator("#map .place-label").all_inner_texts()
    assert sorted(labels) == ["Almaty", "Kazakhstan"]
    page.locator("#map").scroll_into_view_if_needed()
    screenshot(page, "article-timeline-map", full_page=False)
    assert not page.console_errors, page.console_errors


def test_ontology_page_documents_classes_and_properties(page):
    page.goto(page.base + "/ontology")
    claim = page.locator("#Claim")
    assert "Claim" in claim.inner_text() and "bewering" in claim.inner_text().lower()
    assert page.locator("#claimant").count() == 1
    assert page.locator("#Actor a[href='/ontology#Person']").count() >= 1  # sub-class links
    assert page.locator("#Claim a[href='http://www.w3.org/ns/prov#Entity']").count() == 1  # alignment
    screenshot(page, "ontology")


def test_article_chart_of_figures_across_sources_links_each_point_to_its_claim(page):
    page.goto(page.base + ARTICLE)
    chart = page.locator("#figure-chart svg")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible() and chart.bounding_box()["height"] > 150
    points = page.locator("#figure-chart a.point")
    assert points.count() >= 3
    withdrawn = page.locator(f"#figure-chart a.point[data-claim='{WITHDRAWN}']")
    assert "status-withdrawn" in withdrawn.get_attribute("class")
    assert "withdrawn" in withdrawn.locator("title").text_content()
    screenshot(page, "article-figure-chart", full_page=False)
    page.locator("#figure-chart a.point[data-claim='nunl-6177422-14'] circle").click()
    page.wait_for_url(re.compile(r".*/doc/id/claim/nunl-6177422-14$"))
    assert "sixteen soldiers" in page.locator("h1").inner_text()
    assert not page.console_errors, page.console_errors


def test_article_chart_shows_without_javascript(playwright_driver, chromium_path, live_server):
    from .conftest import CHROMIUM_FLAGS

    browser = playwright_driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS, headless=True)
    try:
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(live_server.url + ARTICLE)
        assert page.locator("#figure-chart svg").is_visible()
        assert page.locator("#figure-chart a.point[data-claim='nunl-6177422-01']").count() == 1
    finally:
        browser.close()


def test_a_report_without_text_has_no_text_box_and_no_script_errors(page):
    query = ("PREFIX nkg: <https://w3id.org/newskg/ontology#> PREFIX schema: <http://schema.org/> "
             "SELECT ?a WHERE { ?a a nkg:Article FILTER NOT EXISTS { ?a schema:articleBody ?b } } ORDER BY ?a LIMIT 1")
    response = page.request.get(page.base + "/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json"})
    rows = response.json()["results"]["bindings"]
    if not rows:
        pytest.skip("the graph holds no report without text yet")
    page.goto(page.base + "/article/" + rows[0]["a"]["value"].rsplit("/", 1)[-1])
    assert page.locator("#article-text").count() == 0 and page.locator("#no-text").is_visible()
    assert page.locator("#claims-table td.summary").count() >= 1
    assert not page.console_errors, page.console_errors
