"""The reminders ``handbook remind`` sent, kept in the records database so none is sent twice
within the interval, whichever machine runs the command next.

The table is added by its own migration step (:data:`STEPS`) through the database API, apart
from the records table and its chain, on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from handbook.records import migrations
from handbook.records.database import Database, write
from handbook.records.migrations import Migration
from handbook.records.store import utc_now

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


STEPS = (Migration("reminders", 1, SCHEMA, postgresql=SCHEMA.replace(
    "seq INTEGER PRIMARY KEY AUTOINCREMENT", "seq BIGSERIAL PRIMARY KEY")),)
"""The table on either database (PostgreSQL numbers rows with a sequence of its own)."""


class ReminderLog:
    """The ``reminders_sent`` table of one records database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        migrations.apply(database, STEPS)

    def last_sent(self, key: ReminderKey) -> date | None:
        with self.database.connection() as db:
            row = db.execute("SELECT max(sent_on) FROM reminders_sent WHERE recipient = ? "
                             "AND employee_key = ? AND requirement_id = ? AND reason = ?",
                             (key.recipient, key.employee_key, key.requirement_id, key.reason)).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def record(self, keys: Iterable[ReminderKey], on: date) -> None:
        """Note reminders as sent on ``on`` (the day ``handbook remind`` judged by)."""
        stamp = utc_now()
        day = on.isoformat()
        rows = [(k.recipient, k.employee_key, k.requirement_id, k.reason, day, stamp) for k in keys]
        with write(self.database) as db:
            for row in rows:
                db.execute("INSERT INTO reminders_sent (recipient, employee_key, requirement_id, reason, "
                           "sent_on, sent_at) VALUES (?, ?, ?, ?, ?, ?)", row)
