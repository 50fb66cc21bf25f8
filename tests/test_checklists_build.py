"""The built checklist pages: every item a labelled checkbox linking to the clauses it cites."""

from __future__ import annotations

import json

import pytest

from handbook.project import load_project
from handbook.strings import ENGLISH
from handbook.wording import organisation_strings
from tests.conftest import ROOT
from tests.paperwork import elements, page_data, words


@pytest.fixture(scope="module")
def project():
    loaded, problems = load_project(ROOT)
    assert problems == []
    return loaded


def test_each_checklist_has_a_page_whose_items_are_labelled_and_cite_their_clauses(project, built_site):
    assert len(project.checklists) == 7
    for checklist in project.checklists:
        html = (built_site / "checklists" / f"{checklist.id}.html").read_text(encoding="utf-8")
        assert elements(html, "div", data_hb_checklist="")
        assert page_data(html) == {"checklist": {"id": checklist.id, "version": checklist.version},
                                   "strings": organisation_strings(ENGLISH, project.handbook).browser()}
        found = elements(html)
        labels = {e.attrs["for"]: words(e.text) for e in found if e.tag == "label"}
        boxes = [e for e in found if "data-hb-item" in e.attrs]
        items = [item for item, _ in checklist.items()]
        assert [b.attrs["data-hb-item"] for b in boxes] == [item.id for item in items]
        for box, item in zip(boxes, items, strict=True):
            assert box.tag == "input" and box.attrs["type"] == "checkbox"
            assert labels[box.attrs["id"]] == words(item.text)
            assert box.within("fieldset")
            entry = box.parents[-1]
            assert entry.tag == "li"
            cites = {"class": "hb-cites"}
            cited = [a for a in found if a.tag == "a" and entry in a.parents and a.within("span", **cites)]
            hrefs = [a.attrs["href"] for a in cited]
            assert hrefs == [f"../policies/{checklist.policy}.html#{clause}" for clause in item.cites]
        (progress,) = elements(html, data_hb_progress="")
        assert progress.attrs["role"] == "status" and progress.attrs["aria-live"] == "polite"
        assert progress.text == f"0 of {len(items)} done"
        legends = [words(e.text) for e in elements(html, "legend")]
        assert legends == [section.title for section in checklist.sections]
        assert elements(html, "button", data_hb_checklist_reset="")
        assert elements(html, "button", data_hb_print="")


def test_clause_links_land_on_real_anchors(project, built_site):
    policy_html = (built_site / "policies" / "admin-policy-6.html").read_text(encoding="utf-8")
    anchors = {e.attrs["id"] for e in elements(policy_html) if "id" in e.attrs}
    for checklist in project.checklists:
        for item, _ in checklist.items():
            assert set(item.cites) <= anchors


def test_index_role_pages_and_training_path_link_the_checklists(project, built_site):
    index = (built_site / "checklists" / "index.html").read_text(encoding="utf-8")
    linked = {a.attrs.get("href") for a in elements(index, "a")}
    assert {f"{c.id}.html" for c in project.checklists} <= linked
    role = (built_site / "roles" / "sma.html").read_text(encoding="utf-8")
    assert "../checklists/sma.html" in {a.attrs.get("href") for a in elements(role, "a")}
    home = (built_site / "index.html").read_text(encoding="utf-8")
    found = elements(home)
    (path,) = [e for e in found if e.tag == "section" and e.attrs.get("aria-labelledby") == "path-sma"]
    steps = [a.attrs["href"] for a in found if a.tag == "a" and path in a.parents]
    assert "checklists/sma.html" in steps and "forms/account-request.html" in steps


def test_checklists_have_their_own_nav_section(built_site):
    search = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(doc["location"].startswith("checklists/sma.html") for doc in search["docs"])
    html = (built_site / "checklists" / "sma.html").read_text(encoding="utf-8")
    links = [a for a in elements(html, "a") if "md-nav__link" in a.attrs.get("class", "")]
    nav = {words(a.text): a.attrs["href"] for a in links}
    assert nav["Checklists"] == "index.html"
    assert nav["Forms"] == "../forms/index.html"


def test_raw_html_links_point_at_built_pages_not_markdown_sources(built_site):
    """MkDocs rewrites only Markdown links; raw HTML ones must already name the .html page."""
    for folder in ("checklists", "forms", "roles"):
        for path in (built_site / folder).glob("*.html"):
            hrefs = [a.attrs.get("href") or "" for a in elements(path.read_text(encoding="utf-8"), "a")]
            assert not [h for h in hrefs if h.endswith(".md") or ".md#" in h], path
