"""Search as a person uses it, in Debian's Chromium: the box in the header, the results page, the claim it opens."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from .conftest import screenshot


def test_header_search_finds_the_terroristen_claim_and_opens_it_in_the_article_view(page):
    page.goto(page.base + "/ontology")
    box = page.locator("header.site form.site-search input[name=q]")
    box.fill("terrorist")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=terrorist$"))
    assert page.locator("form.search-page input[name=q]").input_value() == "terrorist"
    assert page.locator("header.site input[name=q]").input_value() == "terrorist"
    page.locator("form.search-page select[name=lang]").select_option("nl")
    page.locator("form.search-page select[name=type]").select_option("claim")
    page.locator("form.search-page button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/search\?q=terrorist&lang=nl&type=claim$"))
    hit = page.locator("li.search-hit[data-iri$='/claim/nunl-6177422-04']").filter(has_text="zei eerder al").first
    bold = hit.locator(".snippet b")
    assert bold.inner_text() == "terroristen"
    assert bold.evaluate("b => getComputedStyle(b).fontWeight") in ("600", "700", "bold")
    assert "Kassym-Jomart Tokayev" in hit.inner_text()
    screenshot(page, "search-results")
    hit.locator("a.hit-link").click()
    page.wait_for_url(re.compile(r".*/article/nunl-6177422#nunl-6177422-04$"))
    page.locator("#article-text mark.claim.active[data-claim='nunl-6177422-04']").first.wait_for()
    assert "claim 04: terrorists and bandits" in page.locator("#claim-popup").inner_text()
    assert not page.console_errors, page.console_errors


def test_markup_in_the_query_is_shown_as_text_and_never_runs(page):
    markup = "<img src=x onerror=window.pwned=1>"
    # in a phrase, the markup is searched for (and found nowhere); bare, "<" is query syntax (a 400 page)
    for query, shown in ((f'"{markup}" OR terrorist', "#search-count"), (markup + " terrorist", ".search-error")):
        page.goto(page.base + "/search?" + urlencode({"q": query}))
        page.locator(shown).wait_for()
        assert page.evaluate("() => window.pwned") is None
        assert page.locator("main img").count() == 0
        if shown == "#search-count":
            assert markup in page.locator(shown).inner_text()
        assert page.locator("form.search-page input[name=q]").input_value() == query
