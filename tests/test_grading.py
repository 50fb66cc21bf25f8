"""grade_attempt: the scoring rules, exact rounding and clear errors for answers that do not fit."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handbook.grading import GradingError, grade_attempt
from handbook.models.quiz import Quiz
from handbook.project import load_project

ROOT = Path(__file__).resolve().parent.parent


def make_quiz(scoring: str = "all-or-nothing", pass_mark: int = 50) -> Quiz:
    return Quiz.model_validate(
        {
            "id": "q",
            "title": "Q",
            "policy": "p",
            "audience": ["employee"],
            "version": "3",
            "pass_mark": pass_mark,
            "scoring": scoring,
            "questions": [
                {
                    "id": "one",
                    "kind": "single",
                    "prompt": "?",
                    "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
                    "cites": ["x"],
                    "explanation": "e",
                },
                {
                    "id": "many",
                    "kind": "multiple",
                    "prompt": "?",
                    "options": [
                        {"id": "a", "text": "A", "correct": True},
                        {"id": "b", "text": "B", "correct": True},
                        {"id": "c", "text": "C", "correct": True},
                        {"id": "d", "text": "D"},
                    ],
                    "cites": ["x"],
                    "explanation": "e",
                },
                {
                    "id": "tf",
                    "kind": "true-false",
                    "prompt": "?",
                    "answer": False,
                    "cites": ["x"],
                    "explanation": "e",
                },
                {
                    "id": "scene",
                    "kind": "scenario",
                    "scenario": "s",
                    "select": "multiple",
                    "prompt": "?",
                    "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
                    "cites": ["x"],
                    "explanation": "e",
                },
            ],
        }
    )


def test_single_answer_questions_score_only_the_exact_correct_option():
    quiz = make_quiz()
    grade = grade_attempt(quiz, ["one", "tf"], {"one": ["a"], "tf": ["true"]})
    assert grade.per_question == {"one": 1.0, "tf": 0.0}
    assert (grade.points, grade.max_points, grade.score, grade.passed) == (1.0, 2.0, 50.0, True)
    both = grade_attempt(quiz, ["one"], {"one": ["a", "b"]})
    assert both.per_question == {"one": 0.0}


def test_all_or_nothing_needs_exactly_the_correct_set():
    quiz = make_quiz("all-or-nothing")
    assert grade_attempt(quiz, ["many"], {"many": ["a", "b", "c"]}).per_question["many"] == 1.0
    assert grade_attempt(quiz, ["many"], {"many": ["a", "b"]}).per_question["many"] == 0.0
    assert grade_attempt(quiz, ["many"], {"many": ["a", "b", "c", "d"]}).per_question["many"] == 0.0


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["a", "b", "c"], 1.0),
        (["a", "b"], 2 / 3),
        (["a", "b", "d"], 1 / 3),  # (2 right - 1 wrong) / 3 correct
        (["a", "d"], 0.0),
        (["d"], 0.0),  # never below zero
        ([], 0.0),
    ],
)
def test_partial_credit_is_right_minus_wrong_over_correct_total(chosen, expected):
    grade = grade_attempt(make_quiz("partial"), ["many"], {"many": chosen})
    assert grade.per_question["many"] == expected


def test_partial_credit_applies_to_multiple_select_scenarios_but_not_to_single_answers():
    quiz = make_quiz("partial")
    assert grade_attempt(quiz, ["scene"], {"scene": ["a", "b"]}).per_question["scene"] == 0.0
    assert grade_attempt(quiz, ["one"], {"one": ["a", "b"]}).per_question["one"] == 0.0


def test_score_rounds_half_to_even_on_the_exact_value():
    quiz = make_quiz("partial", pass_mark=34)
    # 1/3 of a point over 1 question = 33.333...%; 2/3 over 2 questions + 0 = 33.33%
    assert grade_attempt(quiz, ["many"], {"many": ["a"]}).score == 33.33
    assert grade_attempt(quiz, ["many", "one"], {"many": ["a", "b"]}).score == 33.33
    graded = grade_attempt(quiz, ["many", "one", "tf"], {"many": ["a", "b"], "one": ["a"]})
    assert graded.score == 55.56 and graded.passed


def test_passed_compares_the_rounded_score_with_the_pass_mark():
    quiz = make_quiz(pass_mark=50)
    assert grade_attempt(quiz, ["one", "tf"], {"one": ["a"]}).passed
    assert not grade_attempt(quiz, ["one", "tf", "many"], {"one": ["a"]}).passed


@pytest.mark.parametrize(
    ("questions", "answers", "message"),
    [
        (["nope"], {}, "has no question 'nope'"),
        (["one"], {"one": ["z"]}, "has no option 'z'"),
        (["one"], {"tf": ["true"]}, "'tf', which was not asked"),
        (["one", "one"], {}, "more than once"),
        ([], {}, "no questions"),
        (["one"], {"one": "a"}, "must be a list"),
    ],
)
def test_answers_that_do_not_fit_the_quiz_raise_grading_error(questions, answers, message):
    with pytest.raises(GradingError, match=message):
        grade_attempt(make_quiz(), questions, answers)
    assert issubclass(GradingError, ValueError)


@functools.cache
def shipped_quizzes() -> list[Quiz]:
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    return project.quizzes


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_answers_to_a_shipped_quiz_grade_within_bounds(data):
    quiz = data.draw(st.sampled_from(shipped_quizzes()))
    questions = data.draw(st.lists(st.sampled_from([q.id for q in quiz.questions]), min_size=1, unique=True))
    answers = {
        qid: data.draw(st.lists(st.sampled_from([o.id for o in quiz.question(qid).choices()]), unique=True))
        for qid in questions
    }
    grade = grade_attempt(quiz, questions, answers)
    assert 0 <= grade.score <= 100
    assert all(0 <= value <= 1 for value in grade.per_question.values())
    assert grade.max_points == len(questions)
    assert grade.passed == (grade.score >= quiz.pass_mark)


def test_exact_ties_round_to_even_hundredths():
    base = make_quiz().model_dump()
    one = base["questions"][0]
    base["questions"] = [{**one, "id": f"q{i}"} for i in range(32)]
    quiz = Quiz.model_validate(base)
    ids = [q.id for q in quiz.questions]
    assert grade_attempt(quiz, ids, {"q0": ["a"]}).score == 3.12  # 3.125 -> 3.12
    assert grade_attempt(quiz, ids, {f"q{i}": ["a"] for i in range(3)}).score == 9.38  # 9.375 -> 9.38
