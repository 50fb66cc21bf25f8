"""Exam attempts in progress, kept in the records database so a restart keeps them and every
instance on one PostgreSQL database shares them.

An attempt binds the questions the service drew (in their order, with each question's option
order) to one person and an expiry. The service counts attempts per person and quiz version
here, whichever browser they came from; a submitted attempt is claimed once, in one
transaction, so two submissions of one attempt cannot both be graded. The graded attempt itself
is stored as an ordinary quiz-attempt record (``source`` "exam") by the records store.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from handbook.models.quiz import Quiz
from handbook.records import migrations
from handbook.records.database import Database, SqliteDatabase
from handbook.records.errors import Conflict, Expired, NotAllowed, NotFound, TooSoon
from handbook.records.migrations import Migration

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

SCHEMA = """
CREATE TABLE IF NOT EXISTS exam_attempts (
    id TEXT PRIMARY KEY,
    quiz_id TEXT NOT NULL,
    quiz_version TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    person TEXT NOT NULL,
    number INTEGER NOT NULL,
    questions TEXT NOT NULL,
    options TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    submitted_at TEXT,
    record_id TEXT
);
CREATE INDEX IF NOT EXISTS exam_attempts_person ON exam_attempts (quiz_id, quiz_version, employee_id);
"""
STEPS = (Migration("exam_attempts", 1, SCHEMA),)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def moment(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Attempt:
    """One exam attempt: who sits it, what was drawn, and until when it may be answered."""

    id: str
    quiz_id: str
    quiz_version: str
    employee_id: str
    person: dict[str, Any]
    number: int
    questions: list[str]
    options: dict[str, list[str]]
    started_at: str
    expires_at: str
    submitted_at: str | None = None
    record_id: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Attempt:
        return cls(row["id"], row["quiz_id"], row["quiz_version"], row["employee_id"],
                   json.loads(row["person"]), row["number"], json.loads(row["questions"]),
                   json.loads(row["options"]), row["started_at"], row["expires_at"],
                   row["submitted_at"], row["record_id"])


@dataclass(frozen=True)
class Draw:
    """The questions drawn for a new attempt, in order, and each one's option order."""

    questions: list[str]
    options: dict[str, list[str]]


class AttemptBook:
    """The ``exam_attempts`` table of one records database (SQLite or PostgreSQL); starting and
    claiming are write transactions, in turn with every other writer of every instance."""

    def __init__(self, database: Database | Path) -> None:
        self.database = database if not isinstance(database, Path) else SqliteDatabase(database)
        migrations.apply(self.database, STEPS)

    def start(self, quiz: Quiz, employee_id: str, person: dict[str, Any], draw: Draw,
              now: datetime) -> tuple[Attempt, bool]:
        """A new attempt for this person, or their attempt still open (True: resumed).

        Refused past the quiz's attempt limit or inside its waiting period."""
        with self.database.connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                found = self._start(db, quiz, employee_id, person, draw, now)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return found

    @staticmethod
    def _start(db: Any, quiz: Quiz, employee_id: str, person: dict[str, Any], draw: Draw,
               now: datetime) -> tuple[Attempt, bool]:
        mine = db.execute("SELECT * FROM exam_attempts WHERE quiz_id = ? AND quiz_version = ? "
                          "AND employee_id = ? ORDER BY number",
                          (quiz.id, quiz.version, employee_id)).fetchall()
        attempts = [Attempt.from_row(row) for row in mine]
        for attempt in attempts:
            if attempt.submitted_at is None and moment(attempt.expires_at) > now:
                return attempt, True
        if quiz.attempts is not None and len(attempts) >= quiz.attempts:
            raise NotAllowed(f"you have used all {quiz.attempts} attempts of '{quiz.title}' (version "
                             f"{quiz.version}); HR can tell you what happens next")
        if quiz.wait_minutes and attempts:
            last = max(moment(a.submitted_at or a.expires_at) for a in attempts)
            ready = last + timedelta(minutes=quiz.wait_minutes)
            if ready > now:
                raise TooSoon(f"the next attempt of '{quiz.title}' opens at {stamp(ready)} "
                              f"({quiz.wait_minutes} minutes after the last one)",
                              retry_after=int((ready - now).total_seconds()) + 1)
        attempt = Attempt(str(uuid.uuid4()), quiz.id, quiz.version, employee_id, person, len(attempts) + 1,
                          draw.questions, draw.options, stamp(now),
                          stamp(now + timedelta(minutes=quiz.time_limit_minutes)))
        db.execute("INSERT INTO exam_attempts (id, quiz_id, quiz_version, employee_id, person, number, "
                   "questions, options, started_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (attempt.id, quiz.id, quiz.version, employee_id, json.dumps(person), attempt.number,
                    json.dumps(draw.questions), json.dumps(draw.options), attempt.started_at,
                    attempt.expires_at))
        return attempt, False

    def get(self, attempt_id: str) -> Attempt:
        with self.database.connection() as db:
            row = db.execute("SELECT * FROM exam_attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise NotFound(f"no exam attempt '{attempt_id}'")
        return Attempt.from_row(row)

    def claimable(self, attempt_id: str, employee_id: str, now: datetime) -> Attempt:
        """The attempt, if this person may answer it now (checked again when claimed)."""
        with self.database.connection() as db:
            row = db.execute("SELECT * FROM exam_attempts WHERE id = ?", (attempt_id,)).fetchone()
        return self._claimable(row, attempt_id, employee_id, now)

    def claim(self, attempt_id: str, employee_id: str, record_id: str, now: datetime) -> Attempt:
        """Mark an attempt answered, once: refused for another person, twice, or after its expiry."""
        with self.database.connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT * FROM exam_attempts WHERE id = ?", (attempt_id,)).fetchone()
                attempt = self._claimable(row, attempt_id, employee_id, now)
                db.execute("UPDATE exam_attempts SET submitted_at = ?, record_id = ? WHERE id = ?",
                           (stamp(now), record_id, attempt_id))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return attempt

    @staticmethod
    def _claimable(row: Any, attempt_id: str, employee_id: str, now: datetime) -> Attempt:
        if row is None:
            raise NotFound(f"no exam attempt '{attempt_id}'")
        attempt = Attempt.from_row(row)
        if attempt.employee_id != employee_id:
            raise NotAllowed("this exam attempt belongs to another person: start your own attempt")
        if attempt.submitted_at is not None:
            raise Conflict(f"this attempt was already answered at {attempt.submitted_at}: "
                           "each attempt is graded once")
        if moment(attempt.expires_at) <= now:
            raise Expired(f"this attempt expired at {attempt.expires_at}: start a new attempt")
        return attempt

    def release(self, attempt_id: str) -> None:
        """Undo a claim whose record could not be stored, so the person can send the answers again."""
        with self.database.connection() as db:
            db.execute("UPDATE exam_attempts SET submitted_at = NULL, record_id = NULL WHERE id = ?",
                       (attempt_id,))
