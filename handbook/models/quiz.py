"""A quiz: questions that each cite the clauses they test, with the answer key.

``grading: self`` (the default) is a self-check: the page carries the key and grades in the
browser. ``grading: service`` is an exam: the page carries no key, and the records service
draws the questions, grades the answers and counts attempts per person
(``handbook.service.exams``).

Rules that pydantic cannot say per field (one correct option for a single choice, ids unique,
a draw no larger than the pool) are reported by ``handbook.checks.quizzes.check_quizzes``, so each
problem points at its exact line and all are reported together with the cross-file ones.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field

from handbook.models.base import Document, Id, Model, Text

QuestionKind = Literal["single", "multiple", "true-false", "scenario"]
Scoring = Literal["all-or-nothing", "partial"]
Grading = Literal["self", "service"]

TRUE_FALSE_OPTIONS = (("true", "True"), ("false", "False"))
"""Option ids and labels of a true/false question: answers name them like any other option."""


class Option(Model):
    id: Id
    text: Text
    correct: bool = False
    feedback: Text | None = Field(default=None, description="Shown after submitting when this was chosen.")


class Question(Model):
    """One question. ``scenario`` sets the scene for a scenario question; ``select`` says
    whether a scenario asks for one answer or several; ``answer`` is a true/false key."""

    id: Id
    kind: QuestionKind
    scenario: Text | None = None
    prompt: Text
    select: Literal["single", "multiple"] | None = None
    options: list[Option] = Field(default_factory=list)
    answer: bool | None = None
    cites: list[Id] = Field(min_length=1, description="Clause ids of the quiz's policy this question tests.")
    explanation: Text

    @property
    def multiple(self) -> bool:
        """Whether more than one option may be chosen (and so the scoring rule applies)."""
        return self.kind == "multiple" or (self.kind == "scenario" and self.select == "multiple")

    def choices(self) -> list[Option]:
        """The options a person picks from; a true/false question's are made from ``answer``."""
        if self.kind != "true-false":
            return self.options
        return list(_true_false_options(bool(self.answer)))

    def shape_problems(self) -> list[tuple[str, str]]:
        """(field, message) for each rule of its kind this question breaks."""
        true_false, scenario = self.kind == "true-false", self.kind == "scenario"
        rules = [
            (true_false and self.answer is None, "answer", "a true-false question needs answer: true/false"),
            (true_false and bool(self.options), "options", "a true-false question has no options"),
            (not true_false and self.answer is not None, "answer", "answer is for true-false questions only"),
            (not true_false and len(self.options) < 2, "options", f"a {self.kind} question needs 2+ options"),
            (scenario and not self.scenario, "kind", "a scenario question needs scenario: the situation"),
            (not scenario and bool(self.scenario), "scenario", "scenario text belongs to kind: scenario"),
            (not scenario and self.select is not None, "select", "select is for scenario questions"),
        ]
        found = [(field, message) for broken, field, message in rules if broken]
        correct = sum(option.correct for option in self.options)
        if true_false or len(self.options) < 2:
            return found
        if not self.multiple and correct != 1:
            found.append(("options", f"a single-answer question needs 1 correct option, not {correct}"))
        if self.multiple and correct < 1:
            found.append(("options", "a multiple-answer question needs at least one correct option"))
        return found


class Shuffle(Model):
    questions: bool = True
    options: bool = True


class Quiz(Document):
    id: Id
    title: Text
    policy: Id
    audience: list[Id] = Field(min_length=1, description="Role ids this quiz is for.")
    version: Text
    pass_mark: int = Field(ge=1, le=100, description="Percent needed to pass.")
    intro: Text | None = None
    shuffle: Shuffle = Field(default_factory=Shuffle)
    draw: int | None = Field(default=None, ge=1, description="Ask this many questions drawn from the pool.")
    grading: Grading = Field(
        default="self",
        description=("self: a self-check graded in the browser, its key in the page; service: an exam "
                     "graded by the records service, no key in the page, attempts counted per person."),
    )
    attempts: int | None = Field(
        default=None, ge=1,
        description="Most attempts allowed: per browser for a self-check, per person for an exam.")
    wait_minutes: int | None = Field(
        default=None, ge=1, le=525_600,
        description="An exam only: minutes a person waits after one attempt before the next.")
    time_limit_minutes: int = Field(
        default=60, ge=1, le=1440,
        description="An exam only: minutes from starting an attempt to its expiry.")
    scoring: Scoring = Field(
        default="all-or-nothing",
        description=(
            "Multiple-answer questions: all-or-nothing scores 1 only for exactly the correct set; "
            "partial scores max(0, (correct chosen - wrong chosen) / correct total)."
        ),
    )
    questions: list[Question] = Field(min_length=1)
    reacknowledge: Literal["all", "changed"] = Field(
        default="all",
        description=("changed: a person acknowledging again after a material change (the page opened with "
                     "?since=their version) answers only the questions citing clauses changed since; "
                     "all: the whole quiz, as anyone."))

    @property
    def exam(self) -> bool:
        """Graded by the service: its page must carry no answer key."""
        return self.grading == "service"

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def presented(self) -> int:
        """How many questions one attempt asks."""
        return min(self.draw or len(self.questions), len(self.questions))


@cache
def _true_false_options(answer: bool) -> tuple[Option, ...]:
    """The two options of a true-false question, made once per answer: grading a record asks
    for every presented question's options twice, and building models each time showed."""
    key = "true" if answer else "false"
    return tuple(Option(id=i, text=text, correct=i == key) for i, text in TRUE_FALSE_OPTIONS)
