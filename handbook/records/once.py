"""Doing a thing once across every instance: the first to claim a key wins, in the database.

Several service instances run the same timers (reminders, review notices, forwarding); each
asks :func:`first_time` before acting, and only the one whose claim went in acts. The claim is
an ``INSERT ... ON CONFLICT DO NOTHING`` on the key's primary key, so two instances asking at
the same moment cannot both win, on SQLite or PostgreSQL. Make the key say what and for whom,
e.g. ``reminder:admin-policy-6:E100:2026-03-01``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from handbook.records import migrations
from handbook.records.database import Database
from handbook.records.migrations import Migration

STEPS = (Migration("once", 1, "CREATE TABLE IF NOT EXISTS handbook_once "
                              "(key TEXT PRIMARY KEY, claimed_at TEXT NOT NULL, claimed_by TEXT NOT NULL)"),)
migrations.register(*STEPS)


def first_time(database: Database, key: str, by: str = "") -> bool:
    """True for the one caller (on any instance) that claims ``key`` first; False ever after."""
    with database.connection() as db:
        cursor = db.execute("INSERT INTO handbook_once (key, claimed_at, claimed_by) VALUES (?, ?, ?) "
                            "ON CONFLICT (key) DO NOTHING",
                            (key, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), by))
        return bool(cursor.rowcount == 1)


def prepare(database: Database) -> None:
    """Make the claims table now (a store opened before this module was imported lacks it)."""
    migrations.apply(database, STEPS)
