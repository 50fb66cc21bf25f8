"""Drive a built quiz page in Chromium: read its data, answer by keyboard or by click."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from handbook.build import build
from tests.conftest import axe_violations as settled_axe_violations  # noqa: F401 (at rest)
from tests.conftest import settle  # noqa: F401

EMPLOYEE = "quizzes/admin-policy-6-employee.html"
SMA = "quizzes/admin-policy-6-sma.html"
BOARD = "quizzes/admin-policy-6-board.html"
ACKNOWLEDGE = "acknowledge/admin-policy-6.html"


def quiz_data(page) -> dict[str, Any]:
    """The quiz's page data, as quiz.js reads it."""
    return page.evaluate("window.handbookData(document.querySelector('[data-hb-quiz]'), 'quiz')")


def presented(page) -> list[tuple[str, list[str]]]:
    """The questions on screen, in order, each with its option ids in screen order."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-hb-question]')).map(fs => [
             fs.dataset.hbQuestion,
             Array.from(fs.querySelectorAll('[data-hb-option]')).map(o => o.dataset.hbOption)])"""
    )


def key(data: dict[str, Any], question_id: str, right: bool = True) -> list[str]:
    """The correct options of a question, or (right=False) one wrong option."""
    question = next(q for q in data["questions"] if q["id"] == question_id)
    if right:
        return [o["id"] for o in question["options"] if o["correct"]]
    return [next(o["id"] for o in question["options"] if not o["correct"])]


def answer_by_keyboard(page, choices: dict[str, list[str]]) -> None:
    """From the round's heading, Tab through every question choosing only with the keyboard,
    then Tab to the submit button and press Enter."""
    page.locator("[data-hb-quiz-round]").focus()
    for question_id, options in presented(page):
        chosen = choices.get(question_id, [])
        kind = page.locator(f"[data-hb-question='{question_id}'] input").first.get_attribute("type")
        if kind == "checkbox":
            for option in options:
                page.keyboard.press("Tab")
                if option in chosen:
                    page.keyboard.press("Space")
        else:
            page.keyboard.press("Tab")
            index = options.index(chosen[0]) if chosen else -1
            if index == 0:
                page.keyboard.press("Space")
            for _ in range(index):  # arrows move through a radio group, choosing as they go
                page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")


def check_answers(page, unanswered: int = 0) -> None:
    """Press "Check my answers"; with questions left ``unanswered`` the page first says how
    many (and nothing is graded), then "Check my answers anyway" sends the round."""
    page.locator("[data-hb-quiz-submit] button").click()
    confirm = page.locator("[data-hb-quiz-confirm]")
    if not unanswered:
        assert not confirm.is_visible()
        return
    assert confirm.is_visible() and not page.locator("[data-hb-quiz-result]").is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-hb-quiz-confirm')")
    words = "1 question is" if unanswered == 1 else f"{unanswered} questions are"
    assert confirm.inner_text().startswith(f"{words} not answered yet")
    page.locator("[data-hb-quiz-confirm-go]").click()


def answer_by_click(page, choices: dict[str, list[str]], unanswered: int = 0) -> None:
    for question_id, options in choices.items():
        for option in options:
            page.locator(f"[data-hb-question='{question_id}'] [data-hb-option='{option}'] input").check()
    check_answers(page, unanswered)


def pass_quiz(page, url: str, employee_id: str = "E-1001", name: str = "Ann Example") -> dict[str, list[str]]:
    """Open a quiz, pass it with every answer right and send the result as ``employee_id`` (which
    binds the pass to that person on this browser, whether or not a service stores it);
    returns the answers given."""
    page.goto(url)
    data = quiz_data(page)
    choices = {qid: key(data, qid) for qid, _ in presented(page)}
    answer_by_click(page, choices)
    assert "Passed" in page.locator("[data-hb-quiz-live]").inner_text()
    fill_person(page, "[data-hb-record-form]", employee_id=employee_id, name=name, department="Parks")
    page.locator("[data-hb-record-form] button[type='submit']").click()
    # A locator wait, not a string predicate: the service's CSP forbids eval in the page.
    expect(page.locator("[data-hb-record-form] [data-hb-record-status]")).not_to_have_text(
        re.compile(r"^(Sending…)?$"))
    return choices


def fill_person(page, scope: str, **values: str) -> None:
    for name, value in values.items():
        field = page.locator(f"{scope} [name='{name}']")
        if name == "role":
            field.select_option(value)
        else:
            field.fill(value)


@contextmanager
def served_with_instant_navigation(project: Path, engine: str = "mkdocs") -> Iterator[str]:
    """Build ``project`` with Material's instant navigation and serve it; yields the base URL.
    Instant navigation needs a site_url on the served host and port, and is off with the
    offline plugin."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(project / "site"))
    handler.log_message = lambda *args, **kwargs: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8") + "plugins:\n  - search\n  - offline:\n      enabled: false\n"
    text = text.replace("  features:\n", "  features:\n    - navigation.instant\n")
    config.write_text(f"site_url: {base}/\n{text}", encoding="utf-8")
    build(project, engine=engine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
