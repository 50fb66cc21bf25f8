"""Forwarding stored records to a Learning Record Store (LRS) as xAPI statements.

Optional (``lrs:`` in the handbook file). Records stay in the records store, which is the
evidence; each standing record also becomes one or two xAPI statements kept in an outbox (its
own SQLite file beside the records file, so the store itself is untouched) and sent until the
LRS accepts them. Statement ids derive from the record id, so sending again never duplicates.

Statements (the profile is in LMS.md):

- a quiz attempt: ``attempted`` the quiz, then ``passed`` or ``failed`` it with the score;
- an acknowledgement: ``urn:handbook:xapi:verb:acknowledged`` the policy, with its version and
  content hash as context extensions.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handbook.models.handbook import LrsSettings

if TYPE_CHECKING:
    from handbook.records.store import Store

ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
ACKNOWLEDGED = "urn:handbook:xapi:verb:acknowledged"
"""This project's verb: the person read and signed the policy's current version."""
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
POLICY = "urn:handbook:xapi:activity-type:policy"
POLICY_VERSION = "urn:handbook:xapi:extension:policy-version"
POLICY_HASH = "urn:handbook:xapi:extension:policy-hash"
RECORD_ID = "urn:handbook:xapi:extension:record-id"
_IDS = uuid.UUID("7c1e4b2a-52d4-4f0e-9a57-2f4d7d6f1c3e")
COLUMNS = ("id", "kind", "policy_id", "policy_version", "policy_hash", "quiz_id", "quiz_version", "score",
           "passed", "pass_mark", "submitted_at", "employee_id", "name", "email")
"""The record columns a statement is made of (read through the store's public ``rows``)."""
MAX_WAIT = timedelta(hours=1)
Row = Mapping[str, Any] | sqlite3.Row
"""A stored record's columns, as the store's ``rows`` gives them (or any mapping)."""


def outbox_path(db: Path) -> Path:
    """The outbox beside the records file (``records.sqlite-xapi-outbox``)."""
    return db.with_name(f"{db.name}-xapi-outbox")


def statement_id(record_id: str, verb: str) -> str:
    return str(uuid.uuid5(_IDS, f"{record_id} {verb}"))


def _actor(row: Row, settings: LrsSettings) -> dict[str, Any]:
    actor: dict[str, Any] = {"objectType": "Agent", "name": row["name"],
                             "account": {"homePage": settings.account_home_page, "name": row["employee_id"]}}
    return actor


def _activity(iri: str, kind: str, name: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind, "name": {"en": name}}}


def statements(row: Row, settings: LrsSettings) -> list[dict[str, Any]]:
    """The xAPI statements of one stored record (none for a form)."""
    base = settings.activity_base
    policy = _activity(f"{base}policy/{row['policy_id']}", POLICY, row["policy_id"])
    context = {"contextActivities": {"parent": [policy]},
               "extensions": {POLICY_VERSION: row["policy_version"], POLICY_HASH: row["policy_hash"],
                              RECORD_ID: row["id"]}}
    common = {"actor": _actor(row, settings), "timestamp": row["submitted_at"]}
    if row["kind"] == "acknowledgement":
        verb = {"id": ACKNOWLEDGED, "display": {"en": "acknowledged"}}
        return [{"id": statement_id(row["id"], ACKNOWLEDGED), **common, "verb": verb,
                 "object": policy, "context": {"extensions": context["extensions"]}}]
    if row["kind"] != "quiz-attempt" or row["quiz_id"] is None:
        return []
    quiz = _activity(f"{base}quiz/{row['quiz_id']}", ASSESSMENT, row["quiz_id"])
    score = float(row["score"] or 0)
    outcome = PASSED if row["passed"] else FAILED
    return [
        {"id": statement_id(row["id"], ATTEMPTED), **common,
         "verb": {"id": ATTEMPTED, "display": {"en": "attempted"}}, "object": quiz, "context": context},
        {"id": statement_id(row["id"], outcome), **common,
         "verb": {"id": outcome, "display": {"en": "passed" if row["passed"] else "failed"}},
         "object": quiz, "context": context,
         "result": {"success": bool(row["passed"]), "completion": True,
                    "score": {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100}}},
    ]


@dataclass
class Delivery:
    """What one pass of the forwarder did."""

    queued: int
    sent: int
    waiting: int
    errors: list[str]


class Outbox:
    """Statements not yet accepted by the LRS, and when to try each again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS outbox (statement_id TEXT PRIMARY KEY,"
                       " record_id TEXT NOT NULL, body TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,"
                       " next_try TEXT NOT NULL, last_error TEXT, sent_at TEXT)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def queue(self, rows: Iterable[Row], settings: LrsSettings, now: datetime) -> int:
        """Add the statements of records not queued before; how many were added."""
        added = 0
        with closing(self._connect()) as db, db:
            known = {row[0] for row in db.execute("SELECT DISTINCT record_id FROM outbox")}
            for row in rows:
                if row["id"] in known:
                    continue
                for statement in statements(row, settings):
                    db.execute("INSERT OR IGNORE INTO outbox (statement_id, record_id, body, next_try)"
                               " VALUES (?, ?, ?, ?)", (statement["id"], row["id"], json.dumps(statement),
                                                        now.isoformat()))
                    added += 1
        return added

    def due(self, now: datetime) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute("SELECT * FROM outbox WHERE sent_at IS NULL AND next_try <= ? ORDER BY rowid",
                              (now.isoformat(),)).fetchall()

    def waiting(self) -> int:
        with closing(self._connect()) as db:
            found: int = db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
        return found

    def sent(self, ident: str, now: datetime) -> None:
        with closing(self._connect()) as db, db:
            db.execute("UPDATE outbox SET sent_at = ?, last_error = NULL WHERE statement_id = ?",
                       (now.isoformat(), ident))

    def failed(self, ident: str, tries: int, error: str, now: datetime, retry: timedelta) -> None:
        """Try again later, waiting twice as long each time (at most an hour)."""
        wait = min(retry * (2 ** tries), MAX_WAIT)
        with closing(self._connect()) as db, db:
            db.execute("UPDATE outbox SET tries = ?, last_error = ?, next_try = ? WHERE statement_id = ?",
                       (tries + 1, error, (now + wait).isoformat(), ident))


def _put(settings: LrsSettings, credentials: tuple[str, str] | None, statement: str,
         ident: str) -> str | None:
    """PUT one statement; None when the LRS has it (204, or 409: it already holds this id)."""
    url = f"{settings.endpoint.rstrip('/')}/statements?statementId={ident}"
    request = urllib.request.Request(url, data=statement.encode(), method="PUT", headers={
        "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"})
    if credentials:
        token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        if status != 409:
            return f"{url}: HTTP {status}: {error.read(300).decode('utf-8', 'replace')}"
    except (urllib.error.URLError, OSError) as error:
        return f"{url}: {getattr(error, 'reason', error)}"
    return None if status in (200, 204, 409) else f"{url}: HTTP {status}"


def forward(rows: Iterable[Row], outbox: Outbox, settings: LrsSettings,
            credentials: tuple[str, str] | None, now: datetime | None = None) -> Delivery:
    """Queue new records' statements, send every statement that is due, and say how it went."""
    now = now or datetime.now(UTC)
    queued = outbox.queue(rows, settings, now)
    sent, errors = 0, []
    for entry in outbox.due(now):
        problem = _put(settings, credentials, entry["body"], entry["statement_id"])
        if problem is None:
            outbox.sent(entry["statement_id"], now)
            sent += 1
        else:
            outbox.failed(entry["statement_id"], entry["tries"], problem, now,
                          timedelta(seconds=settings.retry_seconds))
            errors.append(problem)
    return Delivery(queued, sent, outbox.waiting(), errors)


def credentials(settings: LrsSettings) -> tuple[str, str] | None:
    """The LRS user and password from the environment variables the settings name."""
    user, password = os.environ.get(settings.username_env), os.environ.get(settings.password_env)
    return (user, password) if user and password else None


@contextmanager
def forwarding(store: Store, settings: LrsSettings | None, say: Callable[[str], None]) -> Iterator[None]:
    """While the service runs: a pass of :func:`forward` every ``retry_seconds`` in a thread of its
    own, so records reach the LRS within that time and refused ones are retried; each new
    refusal is said once."""
    if settings is None:
        yield
        return
    stop, outbox, login = threading.Event(), Outbox(outbox_path(store.path)), credentials(settings)

    def loop() -> None:
        last = ""
        while not stop.is_set():
            try:
                done = forward(store.rows(columns=COLUMNS), outbox, settings, login)
                line = f"xapi: not accepted yet: {done.errors[0]}" if done.errors else ""
            except Exception as error:  # the store or the outbox failed: say so, try again later
                line = f"xapi: forwarding failed: {type(error).__name__}: {error}"
            if line and line != last:
                say(line)
            last = line
            stop.wait(settings.retry_seconds)

    thread = threading.Thread(target=loop, name="xapi-forwarding", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=settings.timeout_seconds + 5)
