"""Exams graded by the service (``grading: service``): the page holds no answer key.

``POST /api/exams/{quiz_id}/attempts`` with the person block draws and orders the questions
and answers them without keys, bound to an attempt id, the person and an expiry (the person's
open attempt is given back instead while it lasts, so a reload does not redraw).
``POST /api/exams/attempts/{id}/answers`` grades the answers with :mod:`handbook.grading`,
stores the attempt as a quiz-attempt record (source "exam", passed or not) and answers the
score with each question's feedback. Limits and waiting periods are counted per person in
:class:`~handbook.records.attempts.AttemptBook`; refusals are domain errors.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handbook.grading import Grade, GradingError, grade_attempt
from handbook.models.quiz import Question, Quiz
from handbook.project import Project
from handbook.records.attempts import Attempt, AttemptBook, Draw, stamp
from handbook.records.contract import FORMAT
from handbook.records.errors import Expired, InvalidRecord, NotFound, RecordError, Unreadable
from handbook.records.intake import accept, validate
from handbook.service.api import admitted_body, signed_in_here, store_runner, stored_answer
from handbook.service.identity import (
    SignedIn,
    acting_employee,
    acting_person,
    bound_person,
    only_own_attempt,
    signed_in_if_required,
)
from handbook.service.state import ServiceState

_random = secrets.SystemRandom()


def exam_of(project: Project, quiz_id: str) -> Quiz:
    quiz = next((q for q in project.quizzes if q.id == quiz_id), None)
    if quiz is None:
        raise NotFound(f"no exam '{quiz_id}'")
    if not quiz.exam:
        raise NotFound(f"quiz '{quiz_id}' is a self-check, graded on its own page, not an exam")
    return quiz


def draw(quiz: Quiz) -> Draw:
    """The questions of a new attempt in the order asked, and each one's option order."""
    chosen = _random.sample(quiz.questions, quiz.presented)
    if not quiz.shuffle.questions:
        chosen.sort(key=quiz.questions.index)
    options = {}
    for question in chosen:
        ids = [option.id for option in question.choices()]
        if quiz.shuffle.options and question.kind != "true-false":
            _random.shuffle(ids)
        options[question.id] = ids
    return Draw([q.id for q in chosen], options)


def _asked(question: Question, order: list[str]) -> dict[str, Any]:
    """A question as the person sees it before grading: no key, no feedback, no explanation."""
    text = {option.id: option.text for option in question.choices()}
    return {"id": question.id, "kind": question.kind, "select": "multiple" if question.multiple else "single",
            "scenario": question.scenario, "prompt": question.prompt,
            "options": [{"id": option_id, "text": text[option_id]} for option_id in order]}


def attempt_view(quiz: Quiz, attempt: Attempt) -> dict[str, Any]:
    questions = [_asked(q, attempt.options[q.id]) for qid in attempt.questions if (q := quiz.question(qid))]
    return {"attempt": attempt.id, "quiz": {"id": quiz.id, "version": quiz.version, "title": quiz.title},
            "person": {"employee_id": attempt.employee_id, "name": attempt.person["name"]},
            "number": attempt.number, "allowed": quiz.attempts, "pass_mark": quiz.pass_mark,
            "started_at": attempt.started_at, "expires_at": attempt.expires_at, "questions": questions}


def _feedback(question: Question, chosen: list[str], points: float) -> dict[str, Any]:
    """What the person learns about one question once it is graded."""
    options = question.choices()
    verdict = ("correct" if points == 1 else "partly correct" if points > 0
               else "not correct" if chosen else "not answered")
    return {"id": question.id, "points": points, "verdict": verdict, "chosen": chosen,
            "correct": [o.id for o in options if o.correct],
            "feedback": [{"option": o.id, "text": o.feedback}
                         for o in options if o.feedback and o.id in chosen],
            "explanation": question.explanation, "cites": question.cites}


def answers_of(body: Any) -> dict[str, list[str]]:
    answers = body.get("answers") if isinstance(body, dict) else None
    if not isinstance(answers, dict) or not all(
            isinstance(v, list) and all(isinstance(i, str) for i in v) for v in answers.values()):
        raise InvalidRecord("answers: an object of question id -> list of chosen option ids")
    return {str(k): list(v) for k, v in answers.items()}


def json_of(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Unreadable("the body is not JSON text") from None


def exam_record(project: Project, quiz: Quiz, attempt: Attempt, answers: dict[str, list[str]], result: Grade,
                record_id: str, submitted: str, user_agent: str) -> Any:
    """The graded attempt as the quiz-attempt record HR's exports and reports read."""
    policy = project.policy(quiz.policy)
    return validate({
        "format": FORMAT, "id": record_id, "kind": "quiz-attempt",
        "policy": {"id": policy.id, "version": policy.version, "hash": policy.content_hash()},
        "quiz": {"id": quiz.id, "version": quiz.version}, "person": attempt.person,
        "questions": attempt.questions, "answers": answers, "score": result.score,
        "pass_mark": quiz.pass_mark, "passed": result.passed, "attempt": attempt.number,
        "started_at": attempt.started_at,
        "submitted_at": submitted, "user_agent": user_agent[:1000],
    })


def exam_taker(state: ServiceState, request: Request) -> SignedIn | None:
    """Who sign-in says is taking the exam; :class:`SignInRequired` when the handbook's
    sign-in requires it and nobody is signed in."""
    required = state.provider is not None and state.provider.settings.exams_require_sign_in
    return signed_in_if_required(signed_in_here(state, request), required)


def exam_routes(state: ServiceState) -> list[Route]:
    book = AttemptBook(state.store.database)
    run_store = store_runner()  # exam work waits on the database too: never the static files' threads

    async def start(request: Request) -> Response:
        admitted = await admitted_body(state, request)
        if isinstance(admitted, Response):
            return admitted
        cors, body = admitted
        project = state.project
        quiz = exam_of(project, request.path_params["quiz_id"])
        data, signed = json_of(body), exam_taker(state, request)
        if signed is not None and isinstance(data, dict) and isinstance(data.get("person"), dict):
            data = {**data, "person": bound_person(signed, data["person"])}
        person = acting_person(project, data)
        attempt, resumed = await run_store(
            book.start, quiz, person["employee_id"], person, draw(quiz), datetime.now(UTC))
        return JSONResponse({**attempt_view(quiz, attempt), "resumed": resumed},
                            status_code=200 if resumed else 201, headers=cors)

    async def answer(request: Request) -> Response:
        admitted = await admitted_body(state, request)
        if isinstance(admitted, Response):
            return admitted
        cors, body = admitted
        project, data, now = state.project, json_of(body), datetime.now(UTC)
        employee, answers, signed = acting_employee(data), answers_of(data), exam_taker(state, request)
        only_own_attempt(signed, employee)
        attempt = await run_store(book.claimable, request.path_params["attempt_id"], employee, now)
        quiz = exam_of(project, attempt.quiz_id)
        if quiz.version != attempt.quiz_version:
            raise Expired(f"the exam changed to version {quiz.version} during this attempt: "
                          "start a new attempt")
        try:
            result = grade_attempt(quiz, attempt.questions, answers)
        except GradingError as error:
            raise InvalidRecord(f"answers: {error}") from None
        record_id, submitted = str(uuid.uuid4()), stamp(now)
        record = exam_record(project, quiz, attempt, answers, result, record_id, submitted,
                             request.headers.get("user-agent", "unknown"))
        await run_store(book.claim, attempt.id, employee, record_id, now)
        try:
            stored = await run_store(accept, project, state.store, record, "exam",
                                     signed.record_identity if signed else None)
        except (RecordError, OSError):
            await run_store(book.release, attempt.id)
            raise
        feedback = [_feedback(q, answers.get(q.id, []), result.per_question[q.id])
                    for qid in attempt.questions if (q := quiz.question(qid))]
        graded = {"record": stored_answer(stored), "attempt": attempt.id, "number": attempt.number,
                  "allowed": quiz.attempts, "score": result.score, "passed": result.passed,
                  "pass_mark": quiz.pass_mark, "questions": feedback}
        return JSONResponse(graded, status_code=201, headers=cors)

    return [Route("/api/exams/{quiz_id}/attempts", start, methods=["POST"]),
            Route("/api/exams/attempts/{attempt_id}/answers", answer, methods=["POST"])]
