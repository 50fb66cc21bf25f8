"""The paths people walk, in Chromium: the home page shows where they are, a finished
checklist says so and points on, its notes link the forms they name, a quiz keeps the
questions missed and says what to do when no attempt is left, a retried quiz forgets the
last attempt's record, and the index, search and glossary pages read as people expect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from handbook.project import load_project
from tests.conftest import ROOT, axe_violations
from tests.paperwork import elements, words
from tests.quiz_driver import (
    EMPLOYEE,
    SMA,
    answer_by_click,
    fill_person,
    key,
    pass_quiz,
    presented,
    quiz_data,
)
from tests.records_kit import Service

pytestmark = pytest.mark.browser

SHIPPED, _ = load_project(ROOT)


def test_a_finished_checklist_says_so_and_points_to_the_next_step(page, site_url):
    page.goto(f"{site_url}/checklists/employee.html")
    done = page.locator("[data-hb-checklist-done]")
    boxes = page.locator("input[data-hb-item]").all()
    for box in boxes[:-1]:
        box.check()
    assert not done.is_visible()
    boxes[-1].focus()
    page.keyboard.press("Space")
    assert done.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-hb-checklist-done')")
    assert done.inner_text().startswith("All done: every item is ticked. Next: Take the employee self-check.")
    assert done.locator("a").get_attribute("href") == "../quizzes/admin-policy-6-employee.html"
    assert axe_violations(page) == []
    page.reload()
    assert done.is_visible()  # remembered
    page.locator("[data-hb-checklist-reset]").click()
    assert not done.is_visible()


def test_checklist_notes_link_the_forms_they_name(built_site):
    html = (built_site / "checklists" / "employee.html").read_text(encoding="utf-8")
    found = elements(html)
    notes = {e.attrs["id"]: e for e in found
             if e.tag == "span" and "hb-note" in e.attrs.get("class", "").split()}
    links = {note: [(words(a.text), a.attrs["href"]) for a in found if a.tag == "a" and span in a.parents]
             for note, span in notes.items()}
    assert links["note-ask-permission"] == [("social media account request", "../forms/account-request.html")]
    assert links["note-report"] == [("report of a possible violation", "../forms/violation-report.html")]
    # The form is the Town's practice, not the policy's words, and the note says so in words.
    practice = "Town practice Ask with the social media account request form."
    assert words(notes["note-ask-permission"].text) == practice
    assert "hb-note--practice" in notes["note-ask-permission"].attrs["class"]


def test_the_home_page_shows_where_a_person_is_on_their_path(page, site_url):
    page.goto(f"{site_url}/index.html")
    assert not page.locator("[data-hb-path-note]").is_visible()
    assert page.locator("[data-hb-step-status]:not(:empty)").count() == 0  # nothing known yet: nothing said
    page.goto(f"{site_url}/checklists/employee.html")
    page.locator("input[data-hb-item]").first.check()
    page.goto(f"{site_url}/{EMPLOYEE}")
    data = quiz_data(page)
    answer_by_click(page, {qid: key(data, qid) for qid, _ in presented(page)})
    page.goto(f"{site_url}/index.html")
    employee = page.locator("section[aria-labelledby='path-employee']")
    step = employee.locator("li", has_text="Take the employee self-check").locator("[data-hb-step-status]")
    assert step.inner_text() == "Passed (100%), result not sent yet"  # a pass counts once sent with an id
    pass_quiz(page, f"{site_url}/{EMPLOYEE}")
    page.goto(f"{site_url}/index.html")
    statuses = {words(li.locator("a").inner_text()): li.locator("[data-hb-step-status]").inner_text()
                for li in employee.locator("li").all()}
    assert statuses["Work through the employee checklist"] == "1 of 7 done"
    assert statuses["Take the employee self-check"] == "Passed (100%)"
    assert statuses["Acknowledge the policy you read"] == ""
    summary = employee.locator("[data-hb-path-summary]").inner_text()
    assert summary == "On this browser: 1 of 3 tracked steps done."
    assert page.locator("[data-hb-path-note]").is_visible()
    assert axe_violations(page) == []


def test_missed_questions_survive_a_reload_and_the_last_attempt_says_what_next(page, selfcheck_site_url):
    page.goto(f"{selfcheck_site_url}/{SMA}")  # the SMA quiz as a self-check: the one with an attempt limit
    stored = f"handbook.quiz.admin-policy-6-sma@{quiz_data(page)['version']}"
    page.evaluate("key => localStorage.setItem(key, JSON.stringify({attempts: 4}))", stored)
    page.reload()
    data = quiz_data(page)
    shown = [qid for qid, _ in presented(page)]
    missed = shown[1:]  # a fail: only the first right
    answer_by_click(page, {qid: key(data, qid, right=qid not in missed) for qid in shown})
    assert "5 of 5" in page.locator("[data-hb-quiz-attempts]").inner_text()
    spent = page.locator("[data-hb-quiz-spent]")
    assert spent.is_visible() and "No attempts left on this browser" in spent.inner_text()
    assert spent.locator("a[href='../policies/admin-policy-6.html']").count() == 1
    assert spent.locator("a[href='../index.html#who-to-ask']").count() == 1
    page.reload()
    assert spent.is_visible() and not page.locator("[data-hb-quiz-form]").is_visible()
    offer = page.locator("[data-hb-quiz-practice-offer]")
    assert offer.is_visible()
    assert offer.inner_text().startswith(f"Last time you missed {len(missed)} questions.")
    offer.locator("button").click()
    assert "Practice" in page.locator("[data-hb-quiz-round]").inner_text()
    assert sorted(qid for qid, _ in presented(page)) == sorted(missed)
    assert axe_violations(page) == []


@pytest.fixture(scope="module")
def service(engine_site: Path, tmp_path_factory: pytest.TempPathFactory):
    app = Service(engine_site.parent, engine_site, tmp_path_factory.mktemp("flows") / "records.sqlite")
    app.listen()
    yield app
    app.close()


def test_a_retried_quiz_forgets_the_last_attempts_record(page, service):
    """Fail, send the failed attempt, retry and pass: nothing said about the failed record stays."""
    page.goto(f"{service.address}/{EMPLOYEE}")
    data = quiz_data(page)
    answer_by_click(page, {qid: key(data, qid, right=False) for qid, _ in presented(page)})
    fill_person(page, "[data-hb-record-form]", employee_id="F-5", name="Retry Person", department="Parks")
    page.locator("[data-hb-record-form] button[type=submit]").click()
    status = page.locator("[data-hb-record-form] [data-hb-record-status]")
    status.filter(has_text="Recorded by the records service").wait_for()
    failed_id = status.locator(".hb-small-print").inner_text()
    page.locator("[data-hb-quiz-retry]").click()
    answer_by_click(page, {qid: key(data, qid) for qid, _ in presented(page)})
    assert "Passed" in page.locator("[data-hb-quiz-summary]").inner_text()
    assert status.inner_text() == "" and failed_id not in page.locator("[data-hb-quiz-result]").inner_text()
    page.locator("[data-hb-record-form] button[type=submit]").click()  # the person block is still filled
    status.filter(has_text="Recorded by the records service").wait_for()
    assert status.locator(".hb-small-print").inner_text() != failed_id


def test_the_forms_index_lists_each_form_as_its_own_item(built_site):
    html = (built_site / "forms" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    items = [words(li.text) for li in elements(article, "li")]
    assert len(items) == len(SHIPPED.forms)
    for form, item in zip(SHIPPED.forms, items, strict=True):
        assert item.startswith(form.title) and "Filed by" in item


def test_search_keeps_words_apart(built_site):
    """Every place two words meet in the search index with no space is a word of the sources
    (LinkedIn, YouTube), never a label glued to its value ("Filed byEmployee")."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    sources = " ".join(path.read_text(encoding="utf-8") for path in ROOT.glob("policy_source/**/*.yaml"))
    sources = " ".join(sources.split())
    glued = {m.group() for doc in index["docs"] for m in re.finditer(r"\w+[.,:;)]?[A-Z][a-z]+", doc["text"])
             if re.search(r"[a-z.,:;)][A-Z]", m.group())}
    assert glued and {word for word in glued if word not in sources} == set()


def test_the_glossary_links_read_as_citations_and_speak_of_tapping_too(built_site):
    html = (built_site / "glossary.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    links = [words(a.text) for a in elements(article, "a") if "policies/" in a.attrs.get("href", "")]
    assert "Definitions 1, Administrative Policy No. 6: Social Media - Business Use" in links
    assert not any("clause definitions." in link for link in links)
    assert "tap it" in article and "Hover" not in article
