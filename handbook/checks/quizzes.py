"""Checks on quizzes: question shapes, unique ids, a draw the pool can fill, real citations."""

from __future__ import annotations

import re

from handbook.checks.common import duplicate_documents, duplicate_ids, known_clauses, known_roles
from handbook.load import Problem
from handbook.models.quiz import Quiz
from handbook.project import Project


def _question_shape(quiz: Quiz, i: int) -> list[Problem]:
    here, question = ("questions", i), quiz.questions[i]
    problems = [quiz.source.problem((*here, field), message) for field, message in question.shape_problems()]
    options = [(o.id, (*here, "options", j, "id")) for j, o in enumerate(question.options)]
    return problems + duplicate_ids(quiz, options, "option")


def check_quizzes(project: Project) -> list[Problem]:
    problems = duplicate_documents(project.quizzes, "quiz")
    for quiz in project.quizzes:
        audience = [(role, ("audience", j)) for j, role in enumerate(quiz.audience)]
        problems += known_roles(project, quiz, audience)
        if quiz.draw is not None and quiz.draw > len(quiz.questions):
            message = f"draw {quiz.draw} is more than the {len(quiz.questions)} questions in the pool"
            problems.append(quiz.source.problem(("draw",), message))
        if not quiz.exam and quiz.wait_minutes is not None:
            message = "wait_minutes is for exams (grading: service)"
            problems.append(quiz.source.problem(("wait_minutes",), message))
        questions = list(enumerate(quiz.questions))
        problems += duplicate_ids(quiz, [(q.id, ("questions", i, "id")) for i, q in questions], "question")
        for i, _ in questions:
            problems += _question_shape(quiz, i)
        cited = [(c, ("questions", i, "cites", j)) for i, q in questions for j, c in enumerate(q.cites)]
        problems += known_clauses(project, quiz, quiz.policy, cited)
    return problems + _exams_required_by_acknowledgements(project)


def _exams_required_by_acknowledgements(project: Project) -> list[Problem]:
    """An acknowledgement page opens on a self-check passed in the browser; an exam's passes are
    kept by the service, so requiring one there would lock everyone out."""
    exams = {quiz.id for quiz in project.quizzes if quiz.exam}
    return [policy.source.problem(("acknowledgement", "requires_quiz"),
                                  f"requires_quiz: '{policy.acknowledgement.requires_quiz}' is an exam "
                                  "(grading: service); an acknowledgement can require a self-check, and "
                                  "requirements.yaml can require the exam (pass_quiz)")
            for policy in project.policies
            if policy.acknowledgement and policy.acknowledgement.requires_quiz in exams]


CERTIFICATION = re.compile(r"\bcertif|\bexam(s|ination)?\b", re.IGNORECASE)
"""Words that tell a reader a quiz is a test that counts, not a self-check."""


def certification_warnings(project: Project) -> list[Problem]:
    """A quiz titled or required as a certification but graded in the browser, with its key in
    the page: allowed (a handbook may choose it) but said, since nobody should rely on it."""
    required = {r.pass_quiz: r for r in project.requirements_file.requirements if r.pass_quiz and
                (CERTIFICATION.search(r.title) or CERTIFICATION.search(r.id))}
    warnings = []
    for quiz in project.quizzes:
        if quiz.exam or not (CERTIFICATION.search(quiz.title) or quiz.id in required):
            continue
        why = "titled" if CERTIFICATION.search(quiz.title) else f"required by '{required[quiz.id].id}'"
        message = (f"warning: quiz '{quiz.id}' is {why} as a certification but is a self-check, its answer "
                   "key in the page; set grading: service to have the records service grade it")
        warnings.append(quiz.source.problem(("title",), message))
    return warnings
