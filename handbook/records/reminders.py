"""The reminders ``handbook remind`` sent, kept in the records database so none is sent twice
within the interval, whichever machine runs the command next.

The table is added by its own small migration step (:func:`migrate`, ``CREATE TABLE IF NOT
EXISTS``) through the store's connection API, apart from the records table and its chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from handbook.records.store import connect, guarded, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS reminders_sent (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    employee_key TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reminders_sent_key
    ON reminders_sent (recipient, employee_key, requirement_id, reason);
"""


@dataclass(frozen=True)
class ReminderKey:
    """What makes two reminders "the same": to whom, about whom, for which requirement, and why."""

    recipient: str
    employee_key: str
    requirement_id: str
    reason: str


def migrate(db: Any) -> None:
    """Add the reminders table to a records database that lacks it."""
    db.executescript(SCHEMA)


class ReminderLog:
    """The ``reminders_sent`` table of one records database."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with guarded(self.path), closing(connect(self.path)) as db:
            migrate(db)

    def last_sent(self, key: ReminderKey) -> date | None:
        with guarded(self.path), closing(connect(self.path)) as db:
            row = db.execute("SELECT max(sent_on) FROM reminders_sent WHERE recipient = ? "
                             "AND employee_key = ? AND requirement_id = ? AND reason = ?",
                             (key.recipient, key.employee_key, key.requirement_id, key.reason)).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def record(self, keys: Iterable[ReminderKey], on: date) -> None:
        """Note reminders as sent on ``on`` (the day ``handbook remind`` judged by)."""
        stamp = utc_now()
        day = on.isoformat()
        rows = [(k.recipient, k.employee_key, k.requirement_id, k.reason, day, stamp) for k in keys]
        with guarded(self.path), closing(connect(self.path)) as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO reminders_sent (recipient, employee_key, requirement_id, reason, "
                           "sent_on, sent_at) VALUES (?, ?, ?, ?, ?, ?)", rows)
            db.execute("COMMIT")
