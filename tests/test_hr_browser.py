"""The HR pages in Chromium, served by the real app: the handbook's look and a way back, plain
words at sign-in, totals per requirement, who is complete as well as who must act, what is
needed in words, a phone-sized page that fits, and the Requirements page's link to it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from handbook.cli import main
from tests.conftest import axe_violations
from tests.records_kit import TOKEN, Service, project_at
from tests.test_service_hr import ROSTER, service  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")


@pytest.fixture(scope="module")
def hr(request: pytest.FixtureRequest, engine: str) -> Service:
    """The HR tests' service (a roster, a complete person, a stranger), on a real port, with the
    site of ``engine`` (which ``service`` builds on: named here so each engine has its run)."""
    app: Service = request.getfixturevalue("service")
    app.listen()
    return app


def sign_in(tab, hr: Service) -> None:
    tab.goto(f"{hr.address}/hr")
    tab.fill("#token", TOKEN)
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name="Who needs to act").wait_for()


@pytest.mark.parametrize("width", [375, 1280])
def test_sign_in_speaks_plainly_looks_like_the_handbook_and_leads_back(browser, hr, width):
    tab = browser.new_page(viewport={"width": width, "height": 800})
    tab.goto(f"{hr.address}/hr")
    assert tab.locator("h1").inner_text() == "Sign in to the HR page"
    assert tab.get_by_label("HR access code").is_visible()
    assert "Your IT Manager gives HR this code." in tab.locator("#token-hint").inner_text()
    header = tab.locator("header.bar")
    indigo = "rgb(64, 81, 181)"  # Material's indigo, the site's primary colour
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == indigo
    assert header.locator("a.site").inner_text() == project_at(hr.project).handbook.site_title
    back = tab.get_by_role("link", name="Back to the handbook").first
    back.click()
    tab.wait_for_url(f"{hr.address}/")
    assert "Policy Handbook" in tab.title()
    tab.go_back()
    tab.fill("#token", "not it")
    tab.keyboard.press("Enter")
    alert = tab.get_by_role("alert")
    assert alert.inner_text() == "That access code is not right: check it and try again."
    assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert axe_violations(tab) == []
    tab.close()


def test_the_dashboard_counts_each_requirement_and_lists_who_is_complete(browser, hr):
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(tab, hr)
    table = tab.locator("#by-requirement + table")
    header = table.locator("thead th").all_inner_texts()
    assert header == ["Requirement", "Complete", "Missing", "Outdated", "Failed", "Overdue", "People"]
    rows = {row.locator("th").inner_text(): [int(n) for n in row.locator("td").all_inner_texts()]
            for row in table.locator("tbody tr").all()}
    acknowledge = rows["Acknowledge Administrative Policy No. 6, Social Media - Business Use"]
    assert acknowledge[0] >= 1 and sum(acknowledge[:5]) == acknowledge[5]
    summary = tab.locator("#complete + details summary")
    assert re.fullmatch(r"\d+ requirement\(s\) complete: show who", summary.inner_text())
    summary.click()
    complete = tab.locator("#complete + details table").inner_text()
    assert "Complete Person" in complete and "Done on January 5, 2026" in complete
    needed = tab.locator("#to-act + table tbody td[data-label='What is needed']").all_inner_texts()
    assert needed and all(re.match(r"(Due by|Was due|Tried|Done on|Due today) ", text) for text in needed)
    assert not any(ISO_DATE.search(text) for text in needed)  # dates in words, never a log line
    as_of = tab.locator("main > p").first.inner_text()
    assert re.fullmatch(r"Status as of [A-Z][a-z]+ \d{1,2}, \d{4}\.", as_of)
    assert axe_violations(tab) == []
    tab.close()


def test_the_dashboard_fits_a_phone(browser, hr):
    tab = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in(tab, hr)
    tab.locator("#complete + details summary").click()
    assert tab.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    card = tab.locator("#to-act + table tbody tr").first
    assert card.evaluate("e => getComputedStyle(e).display") == "block"  # each row a card
    label = card.locator("td[data-label='Status']").evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Status: "'
    assert axe_violations(tab) == []
    tab.close()


def test_the_requirements_page_links_to_the_hr_page(browser, hr):
    tab = browser.new_page()
    tab.goto(f"{hr.address}/requirements.html")
    tab.get_by_role("link", name="the HR page (/hr)").click()
    tab.wait_for_url(f"{hr.address}/hr")
    assert tab.locator("h1").inner_text() == "Sign in to the HR page"
    tab.close()


def test_report_says_where_the_html_went(hr, tmp_path):
    out = tmp_path / "report.html"
    args = ["report", str(hr.project), "--roster", str(ROSTER), "--html", str(out), "--out",
            str(tmp_path / "status.csv"), "--db", str(hr.db)]
    result = CliRunner().invoke(main, args)
    assert f"wrote the HTML report to {out.resolve()} (open it in a browser)" in result.stderr
    assert f"wrote the status CSV to {tmp_path / 'status.csv'}" in result.stderr
    assert out.is_file() and "Who needs to act" in out.read_text(encoding="utf-8")
