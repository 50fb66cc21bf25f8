"""The pages issue 15 changed, in Chromium at a phone's and a desktop's width: the ordinance's
policy page (adopted by, amendments, history notes), the glossary listing a term two policies
define, and a checklist and form with practice marked. axe finds nothing; the practice label
is read as text; screenshots are kept for a person to look at (HANDBOOK_SHOTS=folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from handbook.build import build
from handbook.palette import look, project_look
from handbook.records.html import render_login
from tests.conftest import axe_violations, served_folder, settle
from tests.test_any_organisation import two_policies

PAGES = ["policies/chapter-39.html", "glossary.html", "checklists/department-head.html",
         "forms/removed-post-log.html", "forms/account-registration.html", "requirements.html"]


@pytest.fixture(scope="module")
def two_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_policies(tmp_path_factory.mktemp("two-browser"))


@pytest.fixture(scope="module")
def two_url(tmp_path_factory: pytest.TempPathFactory, two_project: Path, engine: str) -> Iterator[str]:
    out = tmp_path_factory.mktemp(f"two-{engine}")
    with served_folder(build(two_project, out / "site", out / "generated", engine=engine).site_dir) as url:
        yield url


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_changed_pages_pass_axe_at_phone_and_desktop_width(page, two_url, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{two_url}/{path}")
    assert axe_violations(page) == []
    assert page.outside_requests == [] and page.console_errors == []
    shots = os.environ.get("HANDBOOK_SHOTS")
    if shots:
        settle(page)
        target = Path(shots) / f"{path.replace('/', '-').removesuffix('.html')}-{width}.png"
        page.screenshot(path=str(target), full_page=True)


def test_a_green_town_gets_its_green_at_aa_on_the_site_and_the_hr_page(page, two_url, two_project, engine):
    green = look("green")
    page.goto(f"{two_url}/policies/chapter-39.html")
    if engine == "mkdocs":  # Zensical draws its header light, with the page's text colour
        header = page.locator(".md-header")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(green.header)
    link = page.locator(".md-content a[href]:not(.headerlink)").first
    assert link.evaluate("e => getComputedStyle(e).color") == _rgb(green.link)
    link.focus()
    ring = link.evaluate("e => e.matches(':focus-visible') && getComputedStyle(e).outlineColor")
    assert ring == _rgb(green.focus)  # the theme's own ring, not Material's default indigo
    page.set_content(render_login("Town of Anywhere", "That access code is not right.", True, True,
                                  look=project_look(two_project)))
    bar = page.locator("header.bar")
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(green.header)
    assert axe_violations(page) == []


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


def test_practice_is_told_apart_by_its_words_not_colour_alone(page, two_url):
    page.goto(f"{two_url}/checklists/department-head.html")
    tags = page.locator(".hb-practice")
    assert tags.count() == 2
    assert tags.first.inner_text() == "Town practice"
    style = tags.first.evaluate("e => { const s = getComputedStyle(e); return [s.borderStyle, s.display]; }")
    assert style == ["solid", "inline-block"]
    page.emulate_media(media="print")
    assert tags.first.is_visible() and tags.first.inner_text() == "Town practice"


def test_a_history_note_follows_its_section_and_is_no_clause(page, two_url):
    page.goto(f"{two_url}/policies/chapter-39.html")
    note = page.locator(".hb-history")
    assert note.count() == 1
    section_19 = page.locator("#s39-19")
    # After § 39.18's last clause, before § 39.19: shown after the section it belongs to.
    order = page.evaluate("""() => {
        const note = document.querySelector('.hb-history');
        const last = document.getElementById('s39-18.b.3.a');
        const next = document.getElementById('s39-19');
        return [last.compareDocumentPosition(note) & Node.DOCUMENT_POSITION_FOLLOWING,
                note.compareDocumentPosition(next) & Node.DOCUMENT_POSITION_FOLLOWING];
    }""")
    assert order == [4, 4]
    assert section_19.count() == 1
    assert note.evaluate("e => e.closest('[id]') === null || !e.closest('[id]').id.includes('history')")
