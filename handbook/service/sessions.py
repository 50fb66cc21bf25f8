"""Server-side HR sessions: a random id in the cookie, everything else kept by the server.

The cookie carries only a random id; the server keeps (in the records file, in a table of its
own) a hash of that id, who signed in, when, when the session was last used and its CSRF token.
The server enforces an idle and an absolute expiry and forgets a session on sign-out, so a
signed-out or stolen-then-expired cookie is refused. Storage sits behind
:class:`SessionStore`; OpenID sign-in (:mod:`handbook.service.signin`) keeps its sessions here
too, with who signed in (``identity``, JSON) beside the subject. On PostgreSQL every instance
shares the sessions (:class:`DatabaseSessions`).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from handbook.records import migrations
from handbook.records.database import Database, SqliteDatabase, driver_errors, first_line
from handbook.records.migrations import Migration


class SessionsUnavailable(Exception):
    """The session store cannot be read or written (a read-only or vanished records file)."""


Clock = Callable[[], float]
"""Seconds since the epoch; the app factory takes one so tests can move time on."""

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600
BUSY_TIMEOUT_MS = 10_000
TOUCH_EVERY = 60.0
"""Seconds between writes of a session's last use: the idle expiry may come up to this much
early, and browsing the HR page does not write to the records file on every request."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: ``idle`` seconds without a request, ``absolute`` at most."""

    idle: float = IDLE_SECONDS
    absolute: float = ABSOLUTE_SECONDS


@dataclass(frozen=True)
class Session:
    """One signed-in person. ``subject`` says who (``admin-token`` for the token sign-in; an
    OpenID sign-in's ``oidc:`` and email); ``csrf`` is the token every form of this session must
    send back; ``identity`` is the signed-in person as JSON ("" for the admin token)."""

    key: str
    subject: str
    csrf: str
    issued_at: float
    seen_at: float
    identity: str = ""


class SessionStore(Protocol):
    """Where sessions live; keyed by the hash of the cookie's id, never the id itself."""

    def add(self, session: Session) -> None: ...
    def get(self, key: str) -> Session | None: ...
    def touch(self, key: str, seen_at: float) -> None: ...
    def remove(self, key: str) -> None: ...
    def remove_older(self, issued_before: float, seen_before: float) -> None: ...


SCHEMA = """CREATE TABLE IF NOT EXISTS hr_sessions (
    key TEXT PRIMARY KEY, subject TEXT NOT NULL, csrf TEXT NOT NULL,
    issued_at REAL NOT NULL, seen_at REAL NOT NULL, identity TEXT NOT NULL DEFAULT '')"""

STEPS = (Migration("hr_sessions", 1, SCHEMA.replace("REAL", "DOUBLE PRECISION")),)
"""The table on any database (PostgreSQL's REAL would round the times to minutes)."""


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                                 isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute(SCHEMA)
    if "identity" not in {row[1] for row in connection.execute("PRAGMA table_info(hr_sessions)")}:
        connection.execute("ALTER TABLE hr_sessions ADD COLUMN identity TEXT NOT NULL DEFAULT ''")
    return connection


class DatabaseSessions:
    """Sessions in the ``hr_sessions`` table of the records database, SQLite or PostgreSQL:
    a restart keeps them, and every instance on the same database shares them (a session
    begun on one is valid on all). The table is made on first use, so a database that cannot
    take sessions only refuses sign-ins (:class:`SessionsUnavailable`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._ready = False

    def _execute(self, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        try:
            if not self._ready:
                migrations.apply(self.database, STEPS)
                self._ready = True
            with self.database.connection() as db:
                cursor = db.execute(sql, parameters)
                return [] if cursor.description is None else list(cursor.fetchall())
        except driver_errors() as error:
            raise SessionsUnavailable(f"{self.database.describe()}: cannot keep HR sessions: "
                                      f"{first_line(error)}") from None

    def add(self, session: Session) -> None:
        self._execute("INSERT INTO hr_sessions (key, subject, csrf, issued_at, seen_at, identity) "
                      "VALUES (?, ?, ?, ?, ?, ?)", (session.key, session.subject, session.csrf,
                                                    session.issued_at, session.seen_at, session.identity))

    def get(self, key: str) -> Session | None:
        rows = self._execute("SELECT key, subject, csrf, issued_at, seen_at, identity FROM hr_sessions "
                             "WHERE key = ?", (key,))
        if not rows:
            return None
        return Session(*rows[0])

    def touch(self, key: str, seen_at: float) -> None:
        self._execute("UPDATE hr_sessions SET seen_at = ? WHERE key = ?", (seen_at, key))

    def remove(self, key: str) -> None:
        self._execute("DELETE FROM hr_sessions WHERE key = ?", (key,))

    def remove_older(self, issued_before: float, seen_before: float) -> None:
        self._execute("DELETE FROM hr_sessions WHERE issued_at < ? OR seen_at < ?",
                      (issued_before, seen_before))


class SqliteSessions(DatabaseSessions):
    """:class:`DatabaseSessions` in a SQLite records file, on one connection kept open (the HR
    page asks for its session on every request). The file is opened on first use."""

    def __init__(self, path: Path) -> None:
        super().__init__(SqliteDatabase(path))
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _execute(self, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = _connect(self.path)
                return self._connection.execute(sql, parameters).fetchall()
            except sqlite3.Error as error:
                raise SessionsUnavailable(f"{self.path}: cannot keep HR sessions: {error}") from None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def session_store(database: Database) -> SessionStore:
    """Where the sessions of a records database live: its own table, on either database."""
    if isinstance(database, SqliteDatabase):
        return SqliteSessions(database.path)
    return DatabaseSessions(database)


def hashed(session_id: str) -> str:
    """What the store keeps of a cookie's id: a reader of the file cannot sign in with it."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


class Sessions:
    """Sign-in, the current session of a cookie, and sign-out, under one :class:`SessionPolicy`."""

    def __init__(self, store: SessionStore, policy: SessionPolicy = SessionPolicy(),
                 clock: Clock = time.time) -> None:
        self.store, self.policy, self.clock = store, policy, clock

    def begin(self, subject: str, identity: str = "") -> tuple[str, Session]:
        """A new session: the cookie's value (a fresh random id) and what the server keeps."""
        now = self.clock()
        self.store.remove_older(now - self.policy.absolute, now - self.policy.idle)
        session_id = secrets.token_urlsafe(32)
        session = Session(hashed(session_id), subject, secrets.token_urlsafe(32), now, now, identity)
        self.store.add(session)
        return session_id, session

    def current(self, session_id: str) -> Session | None:
        """The live session of a cookie's id, its idle time restarted; None if unknown or expired."""
        if not session_id:
            return None
        key = hashed(session_id)
        session = self.store.get(key)
        if session is None:
            return None
        now = self.clock()
        if now - session.issued_at >= self.policy.absolute or now - session.seen_at >= self.policy.idle:
            self.store.remove(key)
            return None
        if now - session.seen_at >= TOUCH_EVERY:
            self.store.touch(key, now)
        return session

    def end(self, session_id: str) -> None:
        """Sign-out: the session is gone from the server, so its cookie is refused from now on."""
        if session_id:
            self.store.remove(hashed(session_id))
