"""The SMA certification exam in Chromium against the real records service: no answer key
anywhere a browser can read before grading, the service's grade and record on screen, the
attempt limit counted by the service across browsers, one person per attempt, and the page
opened from disk pointing to the policy and the self-check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from handbook.build import build
from tests.conftest import copy_project, search_index
from tests.quiz_driver import fill_person, settled_axe_violations
from tests.records_kit import Service, project_at, set_records_settings

pytestmark = pytest.mark.browser

SMA = "admin-policy-6-sma"
PAGE = f"quizzes/{SMA}.html"
START = "[data-hb-exam-start]"


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    """The shipped handbook, built, with the SMA exam allowing 2 attempts per person."""
    root = copy_project(tmp_path_factory.mktemp("exam-browser") / "project")
    set_records_settings(root, rate_limit_per_minute=100_000)
    sma = root / "quizzes" / f"{SMA}.yaml"
    text = sma.read_text(encoding="utf-8")
    sma.write_text(text.replace("attempts: 5\n", "attempts: 2\n"), encoding="utf-8")
    build(root, engine=engine)
    return root


@pytest.fixture(scope="module")
def service(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    app = Service(project_dir, project_dir / "site", tmp_path_factory.mktemp("db") / "records.sqlite")
    app.listen()
    yield app
    app.close()


@pytest.fixture(scope="module")
def exam(project_dir: Path):
    return next(q for q in project_at(project_dir).quizzes if q.id == SMA)


def new_tab(browser) -> Any:
    """A page in a browser context of its own: another browser, as far as the site can tell."""
    context = browser.new_context()
    tab = context.new_page()
    tab.json_before_grading = []

    def keep(response) -> None:
        if "/answers" not in response.url and "json" in (response.headers.get("content-type") or ""):
            tab.json_before_grading.append(response.text())  # read as it arrives, before any grading

    tab.on("requestfinished", lambda request: keep(request.response()))
    return tab


def bodies_holding(tab, marker: str, timeout_ms: int = 10_000) -> list[dict]:
    """The JSON bodies kept so far that hold ``marker``, waiting for the first: Chromium may show
    the attempt before Playwright reports its request finished."""
    for _ in range(timeout_ms // 50):
        found = [json.loads(body) for body in tab.json_before_grading if marker in body]
        if found:
            return found
        tab.wait_for_timeout(50)
    raise AssertionError(f"no JSON response holding {marker}")


def start(tab, employee_id: str, name: str = "Sam Admin") -> None:
    fill_person(tab, START, employee_id=employee_id, name=name, department="Parks")
    tab.locator(f"{START} button[type='submit']").click()


def answer(tab, exam, right: bool) -> None:
    """Answer what the service drew, from the key held here in the test (never in the page)."""
    tab.locator("[data-hb-exam-attempt]").wait_for(state="visible")
    for fieldset in tab.locator("[data-hb-question]").all():
        question = exam.question(fieldset.get_attribute("data-hb-question"))
        options = [o for o in question.choices() if o.correct == right]
        for option in options if right else options[:1]:
            fieldset.locator(f"[data-hb-option='{option.id}'] input").check()
    tab.locator("[data-hb-exam-submit] button").click()
    tab.locator("[data-hb-exam-result]").wait_for(state="visible")


def key_texts(exam) -> list[str]:
    """Every correct option's text (true/false labels are not a key)."""
    return [o.text for q in exam.questions if q.kind != "true-false" for o in q.choices() if o.correct]


def teaching_texts(exam) -> list[str]:
    """What reveals the key once read beside the options: explanations and option feedback."""
    return [q.explanation for q in exam.questions] + [o.feedback for q in exam.questions
                                                      for o in q.choices() if o.feedback]


def test_an_exam_taken_end_to_end_with_no_key_in_the_page(browser, service, project_dir, exam, engine):
    tab = new_tab(browser)
    served = tab.goto(f"{service.address}/{PAGE}").text()
    assert tab.locator("[data-hb-exam-offline]").is_hidden()
    scripts = [tab.evaluate("src => fetch(src).then(r => r.text())", src) for src in
               tab.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")]
    before = [served, *scripts, search_index(project_dir / "site", engine)]
    for text in key_texts(exam) + teaching_texts(exam):
        assert not any(text in source or json.dumps(text)[1:-1] in source for source in before), text
    start(tab, " e-500 ")
    tab.locator("[data-hb-exam-attempt]").wait_for(state="visible")
    (attempt,) = bodies_holding(tab, '"attempt"')
    for question in attempt["questions"]:  # options as text only, each correct one once, like any other
        assert all(set(option) == {"id", "text"} for option in question["options"])
        texts = [option["text"] for option in question["options"]]
        for option in exam.question(question["id"]).choices():
            assert texts.count(option.text) == 1
    shown = [tab.content(), *tab.json_before_grading]
    for text in teaching_texts(exam):
        assert not any(text in source or json.dumps(text)[1:-1] in source for source in shown), text
    assert tab.locator(".hb-right, .hb-wrong").count() == 0
    assert settled_axe_violations(tab) == []
    acting = tab.locator("[data-hb-exam-acting]").inner_text()
    assert "Sam Admin (E-500)" in acting and "attempt 1 of 2" in acting
    answer(tab, exam, right=True)
    summary = tab.locator("[data-hb-exam-summary]").inner_text()
    assert "100%" in summary and "passed" in summary and "not passed" not in summary
    stored = tab.locator("[data-hb-exam-record]").inner_text()
    rows = [row for row in service.store.rows("quiz-attempt") if row["employee_id"] == "E-500"]
    assert len(rows) == 1 and rows[0]["source"] == "exam" and rows[0]["passed"] == 1
    assert stored.startswith("Recorded by the records service on ") and f"Record {rows[0]['id']}" in stored
    assert rows[0]["received_at"] not in stored  # the time in words, the id in small print
    assert tab.locator("[data-hb-exam-again]").is_hidden()
    assert tab.locator(".hb-feedback").first.is_visible()
    assert settled_axe_violations(tab) == []
    tab.context.close()


def test_the_attempt_limit_holds_across_two_browsers(browser, service, exam):
    first, second = new_tab(browser), new_tab(browser)
    first.goto(f"{service.address}/{PAGE}")
    start(first, "E-600")
    answer(first, exam, right=False)
    assert "not passed" in first.locator("[data-hb-exam-summary]").inner_text()
    second.goto(f"{service.address}/{PAGE}")
    start(second, "e-600")  # the same person, typed differently, elsewhere
    second.locator("[data-hb-exam-attempt]").wait_for(state="visible")
    assert "attempt 2 of 2" in second.locator("[data-hb-exam-acting]").inner_text()
    answer(second, exam, right=False)
    assert second.locator("[data-hb-exam-again]").is_hidden()
    first.locator("[data-hb-exam-again]").click()  # the first browser still offers one
    expect(first.locator("[data-hb-exam-status]")).to_contain_text("2 attempts")
    status = first.locator("[data-hb-exam-status]").inner_text()
    assert "did not start an attempt" in status and "used all 2 attempts" in status
    rows = [row for row in service.store.rows("quiz-attempt") if row["employee_id"] == "E-600"]
    assert [row["attempt"] for row in rows] == [1, 2] and not any(row["passed"] for row in rows)
    first.context.close()
    second.context.close()


def test_not_you_start_over_forgets_the_person_and_the_attempt(browser, service):
    tab = new_tab(browser)
    tab.goto(f"{service.address}/{PAGE}")
    start(tab, "E-700", "Ann First")
    tab.locator("[data-hb-exam-attempt]").wait_for(state="visible")
    tab.locator("[data-hb-exam-restart]").click()
    assert tab.locator("[data-hb-exam-attempt]").is_hidden()
    assert tab.locator(f"{START} [name='employee_id']").input_value() == ""
    assert tab.locator(f"{START} [name='name']").input_value() == ""
    start(tab, "E-701", "Bob Second")
    tab.locator("[data-hb-exam-attempt]").wait_for(state="visible")
    assert "Bob Second (E-701)" in tab.locator("[data-hb-exam-acting]").inner_text()
    tab.context.close()


def test_opened_from_disk_it_says_it_needs_the_service(page, project_dir):
    page.goto((project_dir / "site" / PAGE).as_uri())
    notice = page.locator("[data-hb-exam-offline]")
    assert notice.is_visible() and "needs the records service" in notice.inner_text()
    assert "opened from a file" in notice.inner_text()
    assert page.locator(START).is_hidden()
    assert settled_axe_violations(page) == []
    links = notice.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "../policies/admin-policy-6.html" in links and "admin-policy-6-employee.html" in links
