"""One set of rules: quiz.js's grade() in Chromium and handbook.grading.grade_attempt agree
on every answer set, for every question kind and both scoring rules."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.grading import GradingError, grade_attempt
from handbook.models.quiz import Quiz
from handbook.project import load_project
from tests.quiz_driver import BOARD, EMPLOYEE, SMA

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"admin-policy-6-employee": EMPLOYEE, "admin-policy-6-sma": SMA, "admin-policy-6-board": BOARD}
SCORING = ("all-or-nothing", "partial")

BROWSER_GRADE = """([quizId, scoring, attempts]) => {
  const data = window.handbookData(document.querySelector('[data-hb-quiz]'), 'quiz');
  if (data.id !== quizId) throw new Error('wrong page');
  const quiz = Object.assign({}, data, {scoring});
  return attempts.map(([questions, answers]) => {
    try { return window.handbookQuiz.grade(quiz, questions, answers); }
    catch (e) { return {error: e.name}; }
  });
}"""


@functools.cache
def quizzes() -> dict[str, Quiz]:
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    return {quiz.id: quiz for quiz in project.quizzes}


def python_grade(
    quiz: Quiz, scoring: str, questions: list[str], answers: dict[str, list[str]]
) -> dict[str, Any]:
    try:
        grade = grade_attempt(quiz.model_copy(update={"scoring": scoring}), questions, answers)
    except GradingError:
        return {"error": "GradingError"}
    return {
        "score": grade.score,
        "passed": grade.passed,
        "points": grade.points,
        "max_points": grade.max_points,
        "per_question": grade.per_question,
    }


def browser_grade(page, quiz_id: str, scoring: str, attempts: list) -> list[dict[str, Any]]:
    results = page.evaluate(BROWSER_GRADE, [quiz_id, scoring, attempts])
    for result in results:  # JSON has one number type: 100 and 100.0 are the same score
        for field in ("score", "points", "max_points"):
            if field in result:
                result[field] = float(result[field])
        if "per_question" in result:
            result["per_question"] = {k: float(v) for k, v in result["per_question"].items()}
    return results


@pytest.fixture(scope="module")
def tabs(browser, selfcheck_site_url):
    """One open page per shipped quiz (each as a self-check), reused by every example."""
    context = browser.new_context()
    opened = {}
    for quiz_id, path in PAGES.items():
        opened[quiz_id] = context.new_page()
        opened[quiz_id].goto(f"{selfcheck_site_url}/{path}")
    yield opened
    context.close()


def attempt(quiz: Quiz, draw: st.DrawFn) -> tuple[list[str], dict[str, list[str]]]:
    ids = [q.id for q in quiz.questions]
    questions = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    answers = {}
    for qid in questions:
        if draw(st.booleans()) or draw(st.booleans()):
            options = [o.id for o in quiz.question(qid).choices()]
            answers[qid] = draw(st.lists(st.sampled_from(options), max_size=len(options) + 1))
    return questions, answers


@st.composite
def attempt_batches(draw: st.DrawFn) -> tuple[str, str, list]:
    quiz_id = draw(st.sampled_from(sorted(PAGES)))
    scoring = draw(st.sampled_from(SCORING))
    quiz = quizzes()[quiz_id]
    return quiz_id, scoring, [attempt(quiz, draw) for _ in range(draw(st.integers(1, 25)))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=attempt_batches())
def test_browser_and_python_agree_on_generated_answers(tabs, batch):
    quiz_id, scoring, attempts = batch
    quiz = quizzes()[quiz_id]
    expected = [python_grade(quiz, scoring, questions, answers) for questions, answers in attempts]
    assert browser_grade(tabs[quiz_id], quiz_id, scoring, attempts) == expected


@pytest.mark.parametrize("scoring", SCORING)
def test_every_question_kind_all_right_all_wrong_and_mixed(tabs, scoring):
    fractions = []
    for quiz_id, quiz in quizzes().items():
        attempts = []
        for question in quiz.questions:
            options = question.choices()
            right = [o.id for o in options if o.correct]
            wrong = [o.id for o in options if not o.correct]
            for chosen in (right, wrong[:1], right[:1] + wrong[:1], right + wrong, [], right[1:]):
                attempts.append(([question.id], {question.id: chosen}))
        everything = [q.id for q in quiz.questions]
        attempts.append(
            (everything, {q.id: [o.id for o in q.choices() if o.correct] for q in quiz.questions})
        )
        attempts.append((everything, {}))
        expected = [python_grade(quiz, scoring, *pair) for pair in attempts]
        assert browser_grade(tabs[quiz_id], quiz_id, scoring, attempts) == expected
        assert expected[-2]["score"] == 100.0 and expected[-1]["score"] == 0.0
        fractions += [v for r in expected for v in r["per_question"].values() if 0 < v < 1]
    # partial credit shows up only under the partial rule (e.g. 2 of 3 correct chosen -> 2/3)
    assert bool(fractions) == (scoring == "partial")


def test_both_refuse_answers_that_do_not_fit(tabs):
    quiz = quizzes()["admin-policy-6-sma"]
    bad = [
        (["no-such-question"], {}),
        (["who-trains"], {"who-trains": ["no-such-option"]}),
        (["who-trains"], {"signed-opinion": ["false"]}),
        (["who-trains", "who-trains"], {}),
        ([], {}),
    ]
    expected = [python_grade(quiz, "partial", *pair) for pair in bad]
    assert expected == [{"error": "GradingError"}] * len(bad)
    assert browser_grade(tabs["admin-policy-6-sma"], quiz.id, "partial", bad) == expected


def test_exact_ties_round_half_to_even_in_both(tabs):
    quiz = quizzes()["admin-policy-6-sma"]
    named = ["departing-sma", "who-trains", "who-designates"]
    questions = named + [q.id for q in quiz.questions if q.id not in named][:13]  # 16 questions
    attempts = [
        (questions, {"departing-sma": ["new-sma"]}),  # 0.5 / 16 = 3.125% -> 3.12
        (questions, {"departing-sma": ["new-sma"], "who-trains": ["mcs"], "who-designates": ["director"]}),
    ]  # 2.5 / 16 = 15.625% -> 15.62
    expected = [python_grade(quiz, "partial", *pair) for pair in attempts]
    assert [result["score"] for result in expected] == [3.12, 15.62]
    assert browser_grade(tabs[quiz.id], quiz.id, "partial", attempts) == expected
