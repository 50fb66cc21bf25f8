"""The one grading function: scores answers against a quiz of a given version.

The records service and receipt import call it so that no score a browser claims is trusted;
``site_templates/assets/js/quiz.js`` implements the same rules for the self-check, and the
tests run identical answers through both. Arithmetic is exact (fractions) until the final
score, which is rounded half-to-even to 2 decimals, so both sides agree to the last digit.

Rules: each presented question is worth 1 point. A single-answer question (single choice,
true/false, single-select scenario) scores 1 when exactly its correct option is chosen.
A multiple-answer question scores 1 for exactly the correct set under ``all-or-nothing``;
under ``partial`` it scores max(0, (correct chosen - wrong chosen) / correct total).
An unanswered question scores 0. ``score`` = 100 * points / max_points; passed when
score >= pass_mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from handbook.models.quiz import Question, Quiz


class GradingError(ValueError):
    """The answers do not fit the quiz (unknown ids, a question asked twice)."""


@dataclass(frozen=True)
class Grade:
    score: float
    passed: bool
    points: float
    max_points: float
    per_question: dict[str, float]


def question_points(question: Question, chosen: set[str], scoring: str) -> Fraction:
    """Points (0..1) for one question given the set of option ids chosen."""
    correct = {option.id for option in question.choices() if option.correct}
    if not question.multiple:
        return Fraction(1 if chosen == correct else 0)
    if scoring == "partial":
        earned = len(chosen & correct) - len(chosen - correct)
        return max(Fraction(0), Fraction(earned, len(correct)))
    return Fraction(1 if chosen == correct else 0)


def grade_attempt(quiz: Quiz, questions: list[str], answers: dict[str, list[str]]) -> Grade:
    """Grade the questions presented (in order) with the options chosen for each."""
    if not questions:
        raise GradingError(f"quiz '{quiz.id}': no questions were presented")
    if len(set(questions)) != len(questions):
        raise GradingError(f"quiz '{quiz.id}': a question is listed more than once")
    asked = {}
    for question_id in questions:
        question = quiz.question(question_id)
        if question is None:
            raise GradingError(f"quiz '{quiz.id}' version {quiz.version} has no question '{question_id}'")
        asked[question_id] = question
    for question_id, chosen in answers.items():
        if question_id not in asked:
            raise GradingError(f"quiz '{quiz.id}': answer to question '{question_id}', which was not asked")
        if not isinstance(chosen, list) or not all(isinstance(item, str) for item in chosen):
            raise GradingError(f"quiz '{quiz.id}': answer to '{question_id}' must be a list of option ids")
        known = {option.id for option in asked[question_id].choices()}
        for option_id in chosen:
            if option_id not in known:
                raise GradingError(f"quiz '{quiz.id}': question '{question_id}' has no option '{option_id}'")
    per_question = {
        qid: question_points(question, set(answers.get(qid, [])), quiz.scoring)
        for qid, question in asked.items()
    }
    points = sum(per_question.values(), Fraction(0))
    score = float(round(100 * points / len(asked), 2))
    return Grade(
        score=score,
        passed=score >= quiz.pass_mark,
        points=float(points),
        max_points=float(len(asked)),
        per_question={qid: float(value) for qid, value in per_question.items()},
    )
