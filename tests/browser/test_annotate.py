"""Annotating in Chromium: select a passage, fill in the form, see a violation, fix it, submit with the token, see the
new claim marked without a reload; the new-article page; the article view still readable without JavaScript."""

from __future__ import annotations

import httpx
import pytest

from newskg_test_servers import ROOT, RunningServer

from .conftest import CHROMIUM_FLAGS, screenshot

ARTICLE = "/article/nunl-6177422"
ARTICLE_IRI = "https://w3id.org/newskg/id/article/nunl-6177422"
TOKEN = "test-token"
PASSAGE = "Aantal doden blijft onzeker"  # the sub-heading: no claim covers it yet
HOSTILE = '"><img src=x onerror="window.__xss=1"> } ; DROP ALL ; {'


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server that takes writes (with the token); its store is fresh, so each module starts from graph/."""
    server = RunningServer(tmp_path_factory.mktemp("annotate") / "store", env={"NEWSKG_WRITE_TOKEN": TOKEN})
    yield server
    server.stop()


def select_text(page, text: str, occurrence: int = 1) -> None:
    """Select the n-th occurrence of `text` in the article, as a drag of the mouse would."""
    page.evaluate(
        """([wanted, n]) => {
          const root = document.getElementById("article-text");
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          const nodes = []; let all = "";
          while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data; }
          let at = -1; for (let i = 0; i < n; i++) { at = all.indexOf(wanted, at + 1); }
          const place = (offset) => { const [node, start] = nodes.filter(([, s]) => s <= offset).pop(); return [node, offset - start]; };
          const range = document.createRange();
          range.setStart(...place(at)); range.setEnd(...place(at + wanted.length));
          const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        }""",
        [text, occurrence],
    )


def drag_select(page, text: str) -> None:
    """Select `text` (on one line of the article) with the mouse: press at its first letter, release after its last."""
    box = page.evaluate(
        """(wanted) => {
          const root = document.getElementById("article-text");
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(wanted);
            if (at === -1) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at); range.setEnd(walker.currentNode, at + wanted.length);
            range.startContainer.parentElement.scrollIntoView({block: "center"});
            const r = range.getBoundingClientRect();
            return {left: r.left, right: r.right, y: r.top + r.height / 2};
          }
        }""",
        text,
    )
    page.mouse.move(box["left"] + 1, box["y"])
    page.mouse.down()
    page.mouse.move((box["left"] + box["right"]) / 2, box["y"], steps=5)
    page.mouse.move(box["right"] - 1, box["y"], steps=5)
    page.mouse.up()


def report_state(page) -> str:
    page.wait_for_function("() => !['checking', undefined].includes(document.getElementById('annotate-report').dataset.state)")
    return page.locator("#annotate-report").get_attribute("data-state")


def test_annotate_a_passage_fix_a_violation_submit_and_see_it_marked_without_reload(page):
    page.goto(page.base + ARTICLE)
    page.evaluate("window.__notReloaded = true")
    assert page.locator("#annotate-hint").is_visible()
    form = page.locator("#annotate-form")
    assert form.is_hidden()

    drag_select(page, PASSAGE)
    form.wait_for(state="visible")
    assert page.locator("#annotate-quote").inner_text() == PASSAGE

    # the claimant from a search over the graph's actors
    page.locator("#f-claimant").fill("NU.n")
    option = page.locator("#f-claimant-options li", has_text="NU.nl")
    option.first.wait_for()
    option.first.click()
    assert page.locator("#f-claimant").input_value() == "NU.nl"
    page.locator("#f-translation").fill("Death toll remains uncertain")
    page.select_option("#f-event", "https://w3id.org/newskg/id/event/kazakhstan-unrest-2022")
    page.locator("#annotate-figure summary").click()
    page.select_option("#f-figure_kind", "deaths")
    page.locator("#f-figure_value").fill("unknown")

    # a violation: withdrawn, but nobody withdrew it; shown next to the field it is about
    assert page.locator("#f-withdrawn_by").is_hidden()
    page.select_option("#f-status", "withdrawn")
    page.locator("ul[data-errors-for='withdrawn_by'] li").first.wait_for()
    assert report_state(page) == "problems"
    assert "withdrawn_by" in page.locator("ul[data-errors-for='withdrawn_by']").inner_text()
    assert "has-error" in page.locator("#f-withdrawn_by").get_attribute("class")
    screenshot(page, "annotate-violation", full_page=False)

    # fixed: it is asserted after all
    page.select_option("#f-status", "asserted")
    page.wait_for_function("() => document.getElementById('annotate-report').dataset.state === 'conforms'")
    assert page.locator("ul.field-errors li").count() == 0

    # submitting without a token asks for one; a wrong token is refused and forgotten
    page.locator("#annotate-submit").click()
    assert "token" in page.locator("#annotate-report p.state").inner_text()
    page.locator("#f-token").fill("wrong-token")
    page.locator("#annotate-submit").click()
    page.wait_for_function("() => document.querySelector('#annotate-report p.state').textContent.includes('refused')")
    assert page.evaluate("sessionStorage.getItem('newskg-write-token')") is None
    page.console_errors.clear()  # the refused request (401) is the point of that step

    page.locator("#f-token").fill(TOKEN)
    page.locator("#annotate-submit").click()
    new_mark = page.locator("#article-text mark.claim.new")
    new_mark.first.wait_for()
    assert new_mark.first.get_attribute("data-claim") == "nunl-6177422-24"
    assert new_mark.first.inner_text() == PASSAGE
    assert page.locator("#claims-table tr.claim-row.new").count() == 1
    assert "Death toll remains uncertain" in page.locator("#claims-table tr.claim-row.new").inner_text()
    assert page.locator("#claims-table tbody tr").count() == 24
    assert page.evaluate("window.__notReloaded") is True
    assert page.evaluate("sessionStorage.getItem('newskg-write-token')") == TOKEN  # for this tab only
    assert form.is_hidden() and "nunl-6177422-24" in page.locator("#annotate-done").inner_text()
    assert "24 claims" in page.locator("p.meta").inner_text()
    page.select_option("#filter-claimant", "https://w3id.org/newskg/id/actor/nunl")  # the filters see the new row
    nunl_rows = page.locator("#claims-table tbody tr[data-claimant='https://w3id.org/newskg/id/actor/nunl']")
    assert page.locator("#claims-table tbody tr:visible").count() == nunl_rows.count()
    assert page.locator("#claims-table tr.claim-row.new").is_visible()
    assert page.locator("#filter-count").inner_text() == f"{nunl_rows.count()} of 24"
    page.select_option("#filter-claimant", "")

    # the new mark behaves as the others: its popup names the claimant
    new_mark.first.hover()
    assert "NU.nl" in page.locator("#claim-popup").inner_text()
    screenshot(page, "annotate-added", full_page=False)
    assert not page.console_errors, page.console_errors

    # and it is stored: a fresh page shows it too
    page.goto(page.base + ARTICLE)
    assert page.locator("#article-text mark[data-claim='nunl-6177422-24']").count() == 1


def test_hostile_words_stored_in_a_claim_are_shown_as_text(page, live_server):
    """A claimant label and translation holding markup: table, popup, filters and re-render show them as words."""
    row = {"quote": "Kazachen gebruiken deze brandstof veel", "claimant": "Mr " + HOSTILE, "claimant_new": "Person",
           "translation": HOSTILE, "event": "https://w3id.org/newskg/id/event/kazakhstan-unrest-2022"}
    answer = httpx.post(live_server.url + "/claims", json={"article": ARTICLE_IRI, "claims": [row]},
                        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert answer.status_code == 201, answer.text
    claim_id = answer.json()["claims"][0].rsplit("/", 1)[-1]
    page.goto(page.base + ARTICLE)
    mark = page.locator(f"#article-text mark[data-claim='{claim_id}']")
    mark.first.hover()
    popup = page.locator("#claim-popup")
    popup.wait_for(state="visible")
    assert HOSTILE in popup.inner_text()
    assert HOSTILE in page.locator(f"#claims-table tr[data-claim='{claim_id}']").inner_text()
    assert page.locator("#filter-claimant option", has_text="<img").count() == 1
    assert page.locator("main img").count() == 0 and page.evaluate("window.__xss") is None
    assert not page.console_errors, page.console_errors


def test_a_passage_already_claimed_is_refused_next_to_the_quote(page):
    page.goto(page.base + ARTICLE)
    whole = page.locator("#article-text mark[data-claim='nunl-6177422-14']").first.evaluate("e => e.textContent")
    select_text(page, whole)
    page.locator("#annotate-form").wait_for(state="visible")
    page.locator("#f-claimant").fill("Kassym-Jomart Tokayev")
    page.locator("#f-translation").fill("x")
    page.locator("ul[data-errors-for='quote'] li", has_text="already claim").wait_for()
    page.locator("#annotate-cancel").click()
    assert page.locator("#annotate-form").is_hidden()


def test_hostile_values_are_shown_as_text_and_never_run(page):
    page.goto(page.base + ARTICLE)
    select_text(page, "de grootste stad van het land")
    page.locator("#annotate-form").wait_for(state="visible")
    page.locator("#f-claimant").fill(HOSTILE)
    page.locator("#f-translation").fill(HOSTILE * 300)  # about 15,000 characters
    page.locator("#f-date").fill(HOSTILE)
    page.locator("ul[data-errors-for='claimant'] li", has_text="<img src=x").wait_for()  # the words, as text
    page.locator("ul[data-errors-for='date'] li", has_text="is not a date").wait_for()  # cut at the field's maxlength
    assert report_state(page) == "problems"
    assert page.evaluate("window.__xss") is None
    assert page.locator("#annotate-form img, #annotate-report img").count() == 0
    assert not page.console_errors, page.console_errors


def test_new_article_page_checks_then_adds_an_article(page):
    page.goto(page.base + "/articles/new")
    page.locator("#a-text").fill("Er viel vandaag veel regen in Voorbeeld. Dat zegt de burgemeester.")
    page.locator("#a-title").fill("Veel regen in Voorbeeld")
    page.locator("#a-url").fill("not a url")
    page.locator("#a-publisher").fill("Voorbeeldkrant")
    page.locator("#a-date").fill("2024-03-07")
    page.locator("ul[data-errors-for='url'] li").first.wait_for()
    assert "http" in page.locator("ul[data-errors-for='url']").inner_text()
    page.locator("#a-url").fill("https://example.org/voorbeeldkrant/2024/03/100002/regen")
    page.wait_for_function("() => document.getElementById('article-report').dataset.state === 'conforms'")
    page.locator("#a-token").fill(TOKEN)
    page.locator("#article-submit").click()
    link = page.locator("#article-link")
    link.wait_for()
    assert link.get_attribute("href") == "/article/voorbeeldkrant-100002"
    screenshot(page, "new-article-added", full_page=False)
    link.click()
    page.wait_for_url("**/article/voorbeeldkrant-100002")
    assert page.locator("h1").inner_text() == "Veel regen in Voorbeeld"
    assert "Er viel vandaag veel regen" in page.locator("#article-text").inner_text()
    assert not page.console_errors, page.console_errors


def test_reading_pages_work_without_javascript(playwright_driver, chromium_path, live_server, tmp_path):
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path, args=CHROMIUM_FLAGS, headless=True,
        viewport={"width": 1400, "height": 900}, java_script_enabled=False,
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(live_server.url + ARTICLE)
        assert len(set(page.locator("#article-text mark.claim").evaluate_all("ms => ms.map(m => m.dataset.claim)"))) >= 22
        assert page.locator("#claims-table tbody tr").count() >= 22
        assert page.locator("#annotate-form").is_hidden()  # nothing half-working
        assert "needs JavaScript" in page.locator("aside.claim-panel").inner_text()
        screenshot(page, "article-view-no-js")
        page.goto(live_server.url + "/articles/new")
        assert "needs JavaScript" in page.locator("main").inner_text()
        assert page.locator("#article-submit").is_disabled()
        page.goto(live_server.url + "/id/actor/tokayev")
        assert page.locator("h1").inner_text() == "Kassym-Jomart Tokayev"
    finally:
        context.close()


SECOND_ARTICLE = "/article/voorbeeldkrant-100003"
SECOND_ARTICLE_IRI = "https://w3id.org/newskg/id/article/voorbeeldkrant-100003"
FLOOD = "de overstroming in Voorbeeld (browser)"


def choose_actor(page, field: str, typed: str, label: str) -> None:
    """Type into an actor field and pick `label` from the search over the graph's actors."""
    page.locator(f"#f-{field}").fill(typed)
    option = page.locator(f"#f-{field}-options li", has_text=label)
    option.first.wait_for()
    option.first.click()
    assert page.locator(f"#f-{field}").input_value() == label


def annotate(page, quote: str, fill, occurrence: int = 1) -> str:
    """Select `quote`, let `fill(page)` fill in the form, wait until it conforms, submit; the new claim's id."""
    select_text(page, quote, occurrence)
    page.locator("#annotate-form").wait_for(state="visible")
    page.wait_for_function(f"() => document.getElementById('annotate-quote').textContent === {quote!r}")
    fill(page)
    try:
        page.wait_for_function("() => document.getElementById('annotate-report').dataset.state === 'conforms'",
                               timeout=30_000)
    except Exception as exc:  # say what the form reports instead
        problems = page.locator("#annotate-form").evaluate(
            "f => Array.from(f.querySelectorAll('ul.field-errors li, #annotate-report')).map(e => e.textContent)")
        raise AssertionError(f"{quote!r} does not conform: {problems}") from exc
    before = page.locator("#claims-table tbody tr").count()
    page.locator("#annotate-submit").click()
    page.locator("#annotate-done").wait_for(state="visible")
    page.wait_for_function(f"() => document.querySelectorAll('#claims-table tbody tr').length === {before + 1}")
    return page.locator("#claims-table tr.claim-row.new").first.get_attribute("data-claim")


def test_a_second_article_with_five_claims_goes_in_through_the_browser(page, live_server):
    """The done-when of the ingest issue, browser path: a new article pasted in, then five claims annotated on it —
    new actors, a new event chosen again for the next claims, a figure, a withdrawal, a relay, a repeated quote."""
    text = (ROOT / "graph" / "examples" / "voorbeeld.nl.txt").read_text(encoding="utf-8")
    page.goto(page.base + "/articles/new")
    page.locator("#a-text").fill(text)
    page.locator("#a-title").fill("Honderden mensen geëvacueerd na overstroming in Voorbeeld")
    page.locator("#a-url").fill("https://example.org/voorbeeldkrant/2024/03/100003/overstroming")
    page.locator("#a-publisher").fill("Voorbeeldkrant")
    page.locator("#a-date").fill("2024-03-07")
    page.wait_for_function("() => document.getElementById('article-report').dataset.state === 'conforms'")
    page.locator("#a-token").fill(TOKEN)  # kept for the tab: the annotation form finds it there
    page.locator("#article-submit").click()
    page.locator("#article-link").wait_for()
    page.locator("#article-link").click()
    page.wait_for_url("**" + SECOND_ARTICLE)
    page.evaluate("window.__notReloaded = true")
    assert page.locator("#claims-table tbody tr").count() == 0

    def evacuated(p):
        p.locator("#f-claimant").fill("de gemeente Voorbeeld")
        p.select_option("#f-claimant_new", "GovernmentBody")
        p.locator("#f-translation").fill("About two hundred people were evacuated on Tuesday after a flood.")
        p.locator("#f-date").fill("2024-03-05")
        p.locator("#f-date_expression").fill("dinsdag")
        p.select_option("#f-event_new", "Event")
        p.locator("#f-event_label").fill(FLOOD)

    def nobody_injured(p):
        p.locator("#f-claimant").fill("de burgemeester van Voorbeeld")
        p.select_option("#f-claimant_new", "Person")
        p.locator("#f-translation").fill("The mayor said on Wednesday that nobody was injured.")
        p.locator("#f-date").fill("2024-03-06")
        p.select_option("#f-event", label=FLOOD)  # the event the first claim made, offered without a reload
        p.locator("#annotate-figure summary").click()
        p.select_option("#f-figure_kind", "injured")
        p.locator("#f-figure_value").fill("0")

    def two_deaths_withdrawn(p):
        p.locator("#f-claimant").fill("de lokale omroep van Voorbeeld")
        p.select_option("#f-claimant_new", "NewsOrganisation")
        p.locator("#f-translation").fill("On Tuesday evening the local broadcaster reported two deaths")
        p.select_option("#f-status", "withdrawn")
        choose_actor(p, "withdrawn_by", "gemeente Voorb", "de gemeente Voorbeeld")
        p.select_option("#f-event", label=FLOOD)
        p.locator("#annotate-figure summary").click()
        p.select_option("#f-figure_kind", "deaths")
        p.locator("#f-figure_value").fill("2")
        p.locator("#f-figure_group").fill("doden")

    def water_going_down(p):
        p.locator("#f-claimant").fill("de brandweer van Voorbeeld")
        p.select_option("#f-claimant_new", "Organisation")
        p.locator("#f-translation").fill("The fire brigade says, through the local broadcaster, that the water is going down.")
        choose_actor(p, "relayed_by", "lokale omroep", "de lokale omroep van Voorbeeld")
        p.select_option("#f-event", label=FLOOD)

    def together(p):
        choose_actor(p, "claimant", "burgemeester van", "de burgemeester van Voorbeeld")
        p.locator("#f-translation").fill("We will get through this together")
        p.select_option("#f-tense", "future")
        p.select_option("#f-event", label=FLOOD)

    ids = [
        annotate(page, "In het verzonnen dorp Voorbeeld zijn volgens de gemeente dinsdag ongeveer tweehonderd mensen "
                       "geëvacueerd na een overstroming.", evacuated),
        annotate(page, "De burgemeester zei woensdag dat niemand gewond is geraakt.", nobody_injured),
        annotate(page, "De lokale omroep meldde dinsdagavond twee doden", two_deaths_withdrawn),
        annotate(page, "De brandweer zegt via de lokale omroep dat het water inmiddels zakt.", water_going_down),
        annotate(page, "Samen komen we hier doorheen", together, occurrence=2),  # the banners, not the mayor's words
    ]
    assert ids == [f"voorbeeldkrant-100003-{n:02d}" for n in range(1, 6)]
    assert page.evaluate("window.__notReloaded") is True
    assert not page.console_errors, page.console_errors

    # stored as they were meant: each claim in its own graph, attributed, about the one new event
    nkg = "https://w3id.org/newskg/ontology#"
    query = f"""
        PREFIX nkg: <{nkg}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?claim ?who ?event ?status ?start ?relay ?withdrawer ?kind ?value WHERE {{
          ?claim nkg:reportedIn <{SECOND_ARTICLE_IRI}> ; nkg:claimant ?c ; nkg:aboutEvent ?e ;
                 nkg:status ?status ; nkg:charStart ?start .
          OPTIONAL {{ ?claim nkg:relayedBy ?r . ?r rdfs:label ?relay }}
          OPTIONAL {{ ?claim nkg:withdrawnBy/prov:wasAssociatedWith ?w . ?w rdfs:label ?withdrawer }}
          OPTIONAL {{ GRAPH ?claim {{ ?f a nkg:Figure ; nkg:figureKind ?kind ; nkg:value ?value }} }}
          ?c rdfs:label ?who . ?e rdfs:label ?event .
        }} ORDER BY ?claim"""
    answer = httpx.post(live_server.url + "/sparql", data={"query": query},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200, answer.text
    rows = [{k: v["value"] for k, v in b.items()} for b in answer.json()["results"]["bindings"]]
    assert [r["claim"].rsplit("/", 1)[-1] for r in rows] == ids
    assert [r["who"] for r in rows] == ["de gemeente Voorbeeld", "de burgemeester van Voorbeeld",
                                        "de lokale omroep van Voorbeeld", "de brandweer van Voorbeeld",
                                        "de burgemeester van Voorbeeld"]
    assert {r["event"] for r in rows} == {FLOOD}
    assert rows[2]["status"].endswith("Withdrawn") and rows[2]["withdrawer"] == "de gemeente Voorbeeld"
    assert rows[2]["kind"].endswith("Deaths") and rows[2]["value"] == "2"
    assert rows[1]["kind"].endswith("Injured") and rows[1]["value"] == "0"
    assert rows[3]["relay"] == "de lokale omroep van Voorbeeld"
    assert int(rows[4]["start"]) == text.rindex("Samen komen we hier doorheen")
