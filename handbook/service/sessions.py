"""Server-side HR sessions: a random id in the cookie, everything else kept by the server.

The cookie carries only a random id; the server keeps (in the records file, in a table of its
own) a hash of that id, who signed in, when, when the session was last used and its CSRF token.
The server enforces an idle and an absolute expiry and forgets a session on sign-out, so a
signed-out or stolen-then-expired cookie is refused. Storage sits behind
:class:`SessionStore`, so OpenID sign-in (issue 13) and several instances can share it later.
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
from typing import Protocol

Clock = Callable[[], float]
"""Seconds since the epoch; the app factory takes one so tests can move time on."""

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: ``idle`` seconds without a request, ``absolute`` at most."""

    idle: float = IDLE_SECONDS
    absolute: float = ABSOLUTE_SECONDS


@dataclass(frozen=True)
class Session:
    """One signed-in person. ``subject`` says who (``admin-token`` for the token sign-in; an
    OpenID subject later); ``csrf`` is the token every form of this session must send back."""

    key: str
    subject: str
    csrf: str
    issued_at: float
    seen_at: float


class SessionStore(Protocol):
    """Where sessions live; keyed by the hash of the cookie's id, never the id itself."""

    def add(self, session: Session) -> None: ...
    def get(self, key: str) -> Session | None: ...
    def touch(self, key: str, seen_at: float) -> None: ...
    def remove(self, key: str) -> None: ...
    def remove_older(self, issued_before: float, seen_before: float) -> None: ...


SCHEMA = """CREATE TABLE IF NOT EXISTS hr_sessions (
    key TEXT PRIMARY KEY, subject TEXT NOT NULL, csrf TEXT NOT NULL,
    issued_at REAL NOT NULL, seen_at REAL NOT NULL)"""


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                                 isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute(SCHEMA)
    return connection


class SqliteSessions:
    """Sessions in their own table of the records file: a restart keeps them, and every
    instance that opens the same file shares them."""

    def __init__(self, path: Path) -> None:
        self._connection = _connect(path)
        self._lock = threading.Lock()

    def add(self, session: Session) -> None:
        with self._lock:
            self._connection.execute("INSERT INTO hr_sessions VALUES (?, ?, ?, ?, ?)",
                                     (session.key, session.subject, session.csrf, session.issued_at,
                                      session.seen_at))

    def get(self, key: str) -> Session | None:
        with self._lock:
            row = self._connection.execute("SELECT key, subject, csrf, issued_at, seen_at FROM hr_sessions "
                                           "WHERE key = ?", (key,)).fetchone()
        return None if row is None else Session(*row)

    def touch(self, key: str, seen_at: float) -> None:
        with self._lock:
            self._connection.execute("UPDATE hr_sessions SET seen_at = ? WHERE key = ?", (seen_at, key))

    def remove(self, key: str) -> None:
        with self._lock:
            self._connection.execute("DELETE FROM hr_sessions WHERE key = ?", (key,))

    def remove_older(self, issued_before: float, seen_before: float) -> None:
        with self._lock:
            self._connection.execute("DELETE FROM hr_sessions WHERE issued_at < ? OR seen_at < ?",
                                     (issued_before, seen_before))

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def hashed(session_id: str) -> str:
    """What the store keeps of a cookie's id: a reader of the file cannot sign in with it."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


class Sessions:
    """Sign-in, the current session of a cookie, and sign-out, under one :class:`SessionPolicy`."""

    def __init__(self, store: SessionStore, policy: SessionPolicy = SessionPolicy(),
                 clock: Clock = time.time) -> None:
        self.store, self.policy, self.clock = store, policy, clock

    def begin(self, subject: str) -> tuple[str, Session]:
        """A new session: the cookie's value (a fresh random id) and what the server keeps."""
        now = self.clock()
        self.store.remove_older(now - self.policy.absolute, now - self.policy.idle)
        session_id = secrets.token_urlsafe(32)
        session = Session(hashed(session_id), subject, secrets.token_urlsafe(32), now, now)
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
        self.store.touch(key, now)
        return session

    def end(self, session_id: str) -> None:
        """Sign-out: the session is gone from the server, so its cookie is refused from now on."""
        if session_id:
            self.store.remove(hashed(session_id))
