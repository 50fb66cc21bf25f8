"""The shipped site in Chromium: search, navigation, accessibility, no outside requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import axe_violations

pytestmark = pytest.mark.browser


def all_pages(site: Path) -> list[str]:
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.name != "404.html" and "assets" not in p.parts
    )


SEARCH_RESULT = ":is(.md-search-result__item a, a[role='option'])"


def search(page, words: str) -> None:
    """Open search with both engines' keyboard shortcut and type once the field has focus:
    Zensical opens its dialog a moment after the key, and would lose the first letter."""
    page.keyboard.press("/")
    page.locator("input:focus").wait_for(timeout=10_000)
    page.keyboard.type(words)
"""A search result's link: Material's list item, or an option of Zensical's result list."""


def test_search_finds_clause_text_and_result_opens_the_policy(page, site_url):
    page.goto(f"{site_url}/index.html")
    search(page, "Glassdoor")
    # The result that shows the clause text it matched (Zensical lists the page's own result too,
    # and loads its search index on first use: slow on a busy machine).
    results = page.locator(f"{SEARCH_RESULT}[href*='admin-policy-6.html?h=glassdoor' i]")
    result = results.filter(has_text="Glassdoor").first
    result.wait_for(timeout=30_000)
    result.click()
    page.wait_for_url("**/policies/admin-policy-6.html*")
    assert "Social Media - Business Use" in page.title()
    assert page.locator("[id='definitions.1']").is_visible()
    assert page.outside_requests == []


def test_search_finds_a_word_the_policy_puts_in_curly_quotes(page, site_url):
    """Definitions 2 says (i.e. “posting”): searching posting finds it, on either engine."""
    page.goto(f"{site_url}/index.html")
    search(page, "posting")
    # The result that shows the quoted word (results come as the index loads and the letters
    # arrive, Zensical's page result first): it must come, in its curly quotes.
    results = page.locator(f"{SEARCH_RESULT}[href*='admin-policy-6.html?h=posting' i]")
    result = results.filter(has_text="“posting”").first
    result.wait_for(timeout=30_000)
    assert "“posting”" in result.inner_text()


def test_search_works_opened_from_disk(page, engine_site):
    page.goto((engine_site / "index.html").as_uri())
    search(page, "Glassdoor")
    results = page.locator(SEARCH_RESULT)
    results.first.wait_for(timeout=10_000)
    assert any("Glassdoor" in text for text in results.all_inner_texts())
    assert page.outside_requests == []


def test_clause_anchor_is_visible_and_linkable(page, site_url):
    page.goto(f"{site_url}/policies/admin-policy-6.html#procedure.1.e")
    clause = page.locator("[id='procedure.1.e']")
    assert clause.is_visible()
    link = clause.locator("a.hb-anchor")
    assert link.inner_text() == "e."  # the clause's own label is its permalink
    assert link.get_attribute("href") == "#procedure.1.e"
    assert link.get_attribute("title") == "Link to Procedure 1.e"  # as people cite it


def test_every_page_has_no_wcag_violations_and_no_outside_requests(page, site_url, built_site):
    pages = all_pages(built_site)
    assert len(pages) >= 10
    problems = {}
    for path in pages:
        page.goto(f"{site_url}/{path}")
        found = axe_violations(page)
        if found:
            problems[path] = found
    assert problems == {}
    assert page.outside_requests == []


def test_definition_tooltips_and_print_layout(page, site_url):
    page.goto(f"{site_url}/policies/admin-policy-6.html")
    abbr = page.locator("abbr[title]", has_text="SMA").first
    assert abbr.get_attribute("title") == "Social Media Administrator"
    page.emulate_media(media="print")
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert not page.locator(".md-header").is_visible()
    assert page.locator("[id='restrictions.e.4']").is_visible()
