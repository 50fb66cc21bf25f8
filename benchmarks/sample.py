"""Records the shipped handbook accepts, and stores filled with many of them quickly.

A sample is built from the project itself (its first policy with an acknowledgement, the
quiz it requires answered correctly), so it is valid whatever the handbook holds. Large
stores are filled by copying one accepted row in SQL, which is fast and leaves every row
exactly as the service would have stored it, but for its id and person.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from benchmarks.loadgen import EMPLOYEE, ID
from handbook.grading import grade_attempt
from handbook.models.policy import Policy
from handbook.project import Project
from handbook.records.contract import FORMAT
from handbook.records.intake import accept, validate
from handbook.records.store import Store

STAMP = "2026-01-05T09:00:00Z"


def _policy(project: Project) -> Policy:
    return next((p for p in project.policies if p.acknowledgement), project.policies[0])


def _quiz_fields(project: Project, quiz_id: str) -> dict[str, Any]:
    """A passing attempt: the quiz's first questions, each answered with its correct options."""
    quiz = next(q for q in project.quizzes if q.id == quiz_id)
    questions = [q.id for q in quiz.questions[: quiz.presented]]
    answers = {q.id: [o.id for o in q.choices() if o.correct] for q in quiz.questions[: quiz.presented]}
    grade = grade_attempt(quiz, questions, answers)
    return {"quiz": {"id": quiz.id, "version": quiz.version}, "questions": questions, "answers": answers,
            "score": grade.score, "pass_mark": quiz.pass_mark, "passed": grade.passed, "attempt": 1}


def acknowledgement(project: Project, record_id: str = ID, employee_id: str = EMPLOYEE) -> dict[str, Any]:
    """An acknowledgement of the first policy that has one, with the passing quiz it requires."""
    policy = _policy(project)
    ack = policy.acknowledgement
    record: dict[str, Any] = {
        "format": FORMAT, "id": record_id, "kind": "acknowledgement",
        "policy": {"id": policy.id, "version": policy.version, "hash": policy.content_hash()},
        "quiz": None, "form": None,
        "person": {"employee_id": employee_id, "name": "Pat Example", "department": "Town Clerk",
                   "role": "employee", "email": None},
        "statement": ack.statement if ack else "I have read and understand this policy.",
        "signature": "Pat Example", "questions": None, "answers": {}, "score": None,
        "pass_mark": None, "passed": None, "attempt": None,
        "started_at": STAMP, "submitted_at": STAMP, "user_agent": "handbook-benchmarks",
    }
    quiz = ack.quiz_for("employee", {q.id: q.audience for q in project.quizzes}) if ack else None
    if quiz:
        record.update(_quiz_fields(project, quiz))
    return record


def template(project: Project) -> str:
    """The load generator's body: ID and EMPLOYEE are filled in per request."""
    return json.dumps(acknowledgement(project))


def fill(project: Project, database: Path, employee_ids: list[str]) -> int:
    """A store holding one acknowledgement per employee id; returns the row count."""
    store = Store(database)
    try:
        first = acknowledgement(project, str(uuid.uuid4()), employee_ids[0])
        accept(project, store, validate(first), "api")
    finally:
        store.close()
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA synchronous = OFF")  # only the fill; the store's own writes stay FULL
        columns = [row[1] for row in db.execute("PRAGMA table_info(records)") if row[1] not in {"seq", "id"}]
        copied = ", ".join(columns)
        chosen = ", ".join("?" if name == "employee_id" else name for name in columns)
        db.executemany(
            f"INSERT INTO records (id, {copied}) SELECT ?, {chosen} FROM records WHERE seq = 1",
            ((str(uuid.uuid4()), employee) for employee in employee_ids[1:]),
        )
        count: int = db.execute("SELECT count(*) FROM records").fetchone()[0]
        return count
