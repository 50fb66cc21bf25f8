"""Checklists in Chromium: ticked by keyboard, progress announced, remembered, reset, accessible."""

from __future__ import annotations

import pytest

from handbook.project import load_project
from tests.conftest import ROOT, axe_violations

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab (the keyboard only) until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def progress(page) -> str:
    return page.locator("[data-hb-progress]").inner_text()


def ticked(page) -> list[str]:
    return page.eval_on_selector_all("input[data-hb-item]:checked", "els => els.map(e => e.dataset.hbItem)")


def shipped_version(checklist_id: str) -> str:
    project, _ = load_project(ROOT)
    assert project is not None
    return next(c.version for c in project.checklists if c.id == checklist_id)


def tick_by_keyboard(page, count: int) -> None:
    for _ in range(count):
        tab_to(page, "input[data-hb-item]:not(:checked)")
        page.keyboard.press("Space")


def test_tick_by_keyboard_see_progress_and_find_it_remembered(page, site_url):
    page.goto(f"{site_url}/checklists/sma.html")
    total = page.locator("input[data-hb-item]").count()
    assert progress(page) == f"0 of {total} done"
    live = page.locator("[data-hb-progress]")
    assert live.get_attribute("aria-live") == "polite" and live.get_attribute("role") == "status"
    tick_by_keyboard(page, 4)
    assert progress(page) == f"4 of {total} done"
    assert page.locator("progress[data-hb-progress-bar]").evaluate("e => e.value") == 4
    remembered = ticked(page)
    assert len(remembered) == 4
    keys = page.evaluate("Object.keys(localStorage)")
    assert f"handbook:checklist:sma:{shipped_version('sma')}" in keys

    page.reload()
    assert ticked(page) == remembered
    assert progress(page) == f"4 of {total} done"

    tab_to(page, "[data-hb-checklist-reset]")
    page.keyboard.press("Enter")
    assert progress(page) == f"0 of {total} done"
    page.reload()
    assert ticked(page) == []
    assert page.console_errors == []


def test_a_new_version_starts_afresh_and_other_checklists_are_separate(page, site_url):
    page.goto(f"{site_url}/checklists/mcs.html")
    page.evaluate("localStorage.setItem('handbook:checklist:mcs:0', JSON.stringify(['train-smas']))")
    page.evaluate("localStorage.setItem('handbook:checklist:itm:1', JSON.stringify(['hold-credentials']))")
    page.reload()
    assert ticked(page) == []
    page.goto(f"{site_url}/checklists/itm.html")
    assert ticked(page) == ["hold-credentials"]


def test_remembered_when_opened_from_disk(page, engine_site):
    url = (engine_site / "checklists" / "employee.html").as_uri()
    page.goto(url)
    tick_by_keyboard(page, 2)
    page.goto(url)
    assert len(ticked(page)) == 2
    assert page.outside_requests == []


def test_each_item_links_to_its_clause_on_the_policy_page(page, site_url):
    page.goto(f"{site_url}/checklists/department-director.html")
    link = page.locator(".hb-checklist-item .hb-cites a", has_text="No Retaliation").first  # as cited
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/policies/admin-policy-6.html#no-retaliation")
    assert page.locator("[id='no-retaliation']").is_visible()


def test_print_shows_items_without_buttons(page, site_url):
    page.goto(f"{site_url}/checklists/sma.html")
    page.emulate_media(media="print")
    assert not page.locator("[data-hb-checklist-reset]").is_visible()
    assert page.locator("input[data-hb-item]").first.is_visible()
    assert not page.locator(".md-sidebar--primary").is_visible()


def test_every_checklist_page_has_no_wcag_violations(page, site_url):
    project, _ = load_project(ROOT)
    assert project is not None
    problems = {}
    for checklist in [None, *project.checklists]:
        path = "checklists/index.html" if checklist is None else f"checklists/{checklist.id}.html"
        page.goto(f"{site_url}/{path}")
        if checklist is not None:
            page.locator("input[data-hb-item]").first.check()
        found = axe_violations(page)
        if found:
            problems[path] = found
    assert problems == {}
    assert page.outside_requests == []
