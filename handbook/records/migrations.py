"""Tables of the records database, created and changed in numbered steps applied once each.

Every module that keeps its own tables (exam attempts, HR sessions, reminders, an LRS queue...)
declares them as :class:`Migration` steps of its own ``component`` and either registers them at
import (:func:`register`: applied whenever a store opens) or applies them itself before first
use (:func:`apply`). Each step runs in one write transaction, in turn with every writer of
every instance, and is recorded in the ``handbook_migrations`` version table, so two instances
starting together apply it once and a restart applies only what is new::

    STEPS = (Migration("reminders", 1, '''
        CREATE TABLE IF NOT EXISTS reminders_sent (key TEXT PRIMARY KEY, sent_at TEXT NOT NULL)'''),)
    migrations.register(*STEPS)          # or: migrations.apply(store.database, STEPS)

Write the SQL in the subset both databases take (:mod:`handbook.records.database`), or give
PostgreSQL its own text (``postgresql=``); a step may also be a function of the connection.
Never change a released step: add the next number.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from handbook.records.database import Connection, Database, write

VERSION_TABLE = """CREATE TABLE IF NOT EXISTS handbook_migrations (
    component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version))"""

Step = str | Callable[[Connection], None]


@dataclass(frozen=True)
class Migration:
    """Step ``version`` (1, 2, ...) of ``component``'s tables: SQL statements or a function."""

    component: str
    version: int
    sql: Step
    postgresql: Step | None = None
    """PostgreSQL's own form of the step, when the common SQL will not do."""

    def run(self, db: Connection, dialect: str) -> None:
        step = self.postgresql if dialect == "postgresql" and self.postgresql is not None else self.sql
        if callable(step):
            step(db)
            return
        for statement in statements(step):
            db.execute(statement)


REGISTERED: list[Migration] = []
"""Steps applied whenever a store opens, in registration order within each component."""


def register(*steps: Migration) -> None:
    for step in steps:
        if step not in REGISTERED:
            REGISTERED.append(step)


def apply(database: Database, steps: Iterable[Migration] | None = None) -> list[Migration]:
    """Apply the steps not yet recorded (default: every registered one); returns those applied.
    One short write transaction when nothing is new: call it once, when a module starts."""
    wanted = sorted(REGISTERED if steps is None else steps, key=lambda step: (step.component, step.version))
    if not wanted:
        return []
    done: list[Migration] = []
    with write(database) as db:
        db.execute(VERSION_TABLE)  # under the write lock: two PostgreSQL instances never race to create it
        applied = _applied(db)
        for step in wanted:
            if (step.component, step.version) in applied:
                continue
            step.run(db, database.dialect)
            db.execute("INSERT INTO handbook_migrations (component, version, applied_at) VALUES (?, ?, ?)",
                       (step.component, step.version, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
            done.append(step)
    return done


def version(database: Database, component: str) -> int:
    """The last applied step of ``component`` (0: none)."""
    with write(database) as db:
        db.execute(VERSION_TABLE)
        found = [number for name, number in _applied(db) if name == component]
    return max(found, default=0)


def _applied(db: Connection) -> set[tuple[str, int]]:
    return {(row[0], int(row[1])) for row in db.execute("SELECT component, version FROM handbook_migrations")}


def statements(sql: str) -> list[str]:
    """One script as its statements (a ``;`` inside a quoted string or a trigger stays put)."""
    found, buffer = [], ""
    for part in sql.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                found.append(buffer.strip().removesuffix(";"))
            buffer = ""
    if buffer.strip(" \n\t;"):
        found.append(buffer.strip().removesuffix(";"))
    return found
