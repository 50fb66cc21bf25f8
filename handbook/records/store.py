"""The SQLite store: one row per record, written durably before anyone is told "stored".

WAL with ``synchronous=FULL`` makes every commit reach the disk before it returns, so a 2xx
answer from the service means the record survives a crash or power cut. Writes go through
one writer thread (SQLite has one writer anyway) that commits whatever records are waiting
in one transaction ("group commit"): each caller is answered only after that COMMIT, so the
promise holds while a morning's rush shares its fsyncs. Readers get their own connections
and stream rows instead of loading a table into memory.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import os
import queue
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handbook.records import chain, migrations
from handbook.records.contract import PERSON_FIELDS, SignedInAs
from handbook.records.database import Connection, Database, SqliteDatabase
from handbook.records.errors import StoreBusy, StoreFull, StoreUnavailable

if TYPE_CHECKING:  # the model (pydantic) is not loaded by a command that only reads, like an export
    from handbook.records.model import Record, VersionRef

BUSY_TIMEOUT_MS = 5_000
"""How long a write waits for another program's lock before the caller hears 503 (bounded, so
a locked database never ties up the service)."""

@dataclass(frozen=True)
class Stored:
    """The store's answer for one record; the same for a replay of the same body."""

    id: str
    received_at: str
    score: float | None
    passed: bool | None
    score_note: str | None
    replay: bool = False
    conflict: bool = False


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


FileId = tuple[int, int]


def file_id(path: Path) -> FileId | None:
    """The (device, inode) at ``path`` now; None when nothing is there."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def store_error(path: Path, error: sqlite3.Error) -> StoreUnavailable:
    """A SQLite failure as the domain error the service answers 503 for, with a message."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreBusy("the records database is locked by another program; try again shortly")
    if name.startswith("SQLITE_FULL") or "disk is full" in str(error):
        return StoreFull("the records database's disk is full; nothing was stored")
    if name.startswith("SQLITE_READONLY"):
        return StoreUnavailable(f"the records database {path} is read-only; nothing was stored")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return StoreUnavailable(f"{path} is not a records database (SQLite)")
    return StoreUnavailable(f"the records database {path} failed: {error}")


@contextmanager
def guarded(path: Path) -> Iterator[None]:
    """Run store work with SQLite's errors turned into :class:`StoreUnavailable` ones."""
    try:
        yield
    except sqlite3.Error as error:
        raise store_error(path, error) from None
    except OSError as error:
        raise StoreUnavailable(f"the records database {path} cannot be used: {error.strerror}") from None


def connect(path: Path, create: bool = False) -> sqlite3.Connection:
    """A connection to an existing store (``create``: make the file when missing), so a reader
    never leaves an empty database where a removed one was."""
    target = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
    connection = sqlite3.connect(target, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                 check_same_thread=False, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    return connection


_ANSWERS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
"""How the ``answers`` column is written (one encoder, not one per record)."""


@dataclass(frozen=True)
class _Absent:
    """No quiz (or form): its id and version are stored as null."""

    id: None = None
    version: None = None


ABSENT = _Absent()


@dataclass
class _Pending:
    """One record waiting for the writer; ``on_done`` runs once its transaction committed.

    Besides the record it holds what the server decided about it (the recomputed score, the
    note on a wrong claim, where it came from); the stored columns read from here."""

    record: Record
    score: float | None
    passed: bool | None
    pass_mark: int | None
    score_note: str | None
    source: str
    body: str
    received: str = ""
    identity: str = chain.SELF_ASSERTED
    identity_issuer: str | None = None
    identity_subject: str | None = None
    result: Stored | None = None
    error: BaseException | None = None
    on_done: Callable[[], None] | None = None

    def finish(self) -> None:
        """Wake whoever waits for this record (a thread's event, an event loop's future) through
        ``on_done``. Every store's writer calls it once the batch committed or failed."""
        if self.on_done is not None:
            self.on_done()

    @property
    def questions(self) -> str | None:
        return None if self.record.questions is None else json.dumps(self.record.questions)

    @property
    def answers(self) -> str:
        return _ANSWERS_JSON.encode(self.record.answers)

    @property
    def quiz(self) -> VersionRef | _Absent:
        return self.record.quiz or ABSENT

    @property
    def form(self) -> VersionRef | _Absent:
        return self.record.form or ABSENT

    def values(self) -> tuple[Any, ...]:
        """The stored columns' values, in :data:`COLUMNS` order."""
        values: tuple[Any, ...] = _VALUES(self)
        return values


@dataclass(frozen=True)
class Column:
    """One stored column: its SQLite type and where its value comes from (a dotted path on the
    pending record, read with ``operator.attrgetter``; :attr:`_Pending.quiz` and ``form`` are
    never null, so a form's ``quiz.id`` reads null)."""

    name: str
    type: str
    source: str

    def value(self, pending: _Pending) -> Any:
        return operator.attrgetter(self.source)(pending)


_PERSON = tuple(Column(field.id, "TEXT NOT NULL" if field.required else "TEXT", f"record.person.{field.id}")
                for field in PERSON_FIELDS)

COLUMNS: tuple[Column, ...] = (
    Column("id", "TEXT NOT NULL UNIQUE", "record.id"),
    Column("kind", "TEXT NOT NULL", "record.kind"),
    Column("policy_id", "TEXT NOT NULL", "record.policy.id"),
    Column("policy_version", "TEXT NOT NULL", "record.policy.version"),
    Column("policy_hash", "TEXT NOT NULL", "record.policy.hash"),
    Column("quiz_id", "TEXT", "quiz.id"),
    Column("quiz_version", "TEXT", "quiz.version"),
    Column("form_id", "TEXT", "form.id"),
    Column("form_version", "TEXT", "form.version"),
    *_PERSON,
    Column("statement", "TEXT", "record.statement"),
    Column("signature", "TEXT", "record.signature"),
    Column("questions", "TEXT", "questions"),
    Column("answers", "TEXT NOT NULL", "answers"),
    Column("score", "REAL", "score"),
    Column("passed", "INTEGER", "passed"),
    Column("pass_mark", "INTEGER", "pass_mark"),
    Column("attempt", "INTEGER", "record.attempt"),
    Column("client_score", "REAL", "record.score"),
    Column("client_passed", "INTEGER", "record.passed"),
    Column("score_note", "TEXT", "score_note"),
    Column("started_at", "TEXT NOT NULL", "record.started_at"),
    Column("submitted_at", "TEXT NOT NULL", "record.submitted_at"),
    Column("user_agent", "TEXT NOT NULL", "record.user_agent"),
    Column("received_at", "TEXT NOT NULL", "received"),
    Column("source", "TEXT NOT NULL", "source"),
    Column("body", "TEXT NOT NULL", "body"),
    Column("identity", f"TEXT NOT NULL DEFAULT '{chain.SELF_ASSERTED}'", "identity"),
    *(Column(name, "TEXT", name) for name in chain.CHAINED_WHEN_SET),
)
"""The records table, declared once: the schema, the insert and the column list derive from it.
Add columns only at the end (an existing store keeps its table)."""

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
_VALUES = operator.attrgetter(*(column.source for column in COLUMNS))
"""Every column's value of a pending record in one call (in C), in :data:`COLUMNS` order."""

SCHEMA = "\n".join([
    "CREATE TABLE IF NOT EXISTS records (",
    "    seq INTEGER PRIMARY KEY AUTOINCREMENT,",
    ",\n".join(f"    {column.name} {column.type}" for column in COLUMNS),
    ");",
    "CREATE INDEX IF NOT EXISTS records_kind ON records (kind, seq);",
    "CREATE INDEX IF NOT EXISTS records_employee ON records (employee_id);",
    "CREATE INDEX IF NOT EXISTS records_policy ON records (policy_id, policy_version, policy_hash);",
])


class Store:
    """Records on disk, keyed by their client-made id."""

    MAX_BATCH = 256

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with guarded(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists() and not stat.S_ISREG(os.stat(self.path).st_mode):
                raise StoreUnavailable(f"{self.path} is not a file; give --db a SQLite file's path")
            self._writer = connect(self.path, create=True)
            try:
                self._writer.executescript(SCHEMA)
                chain.migrate(self._writer)
                migrations.apply(self.database)  # the tables other modules registered
            except BaseException:
                self._writer.close()
                raise
        self._file = file_id(self.path)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write_loop, name="records-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writer.close()

    @property
    def database(self) -> Database:
        """The database under the store, for modules with tables of their own
        (:mod:`handbook.records.database`, :mod:`handbook.records.migrations`)."""
        return SqliteDatabase(self.path)

    @property
    def location(self) -> str:
        """Where the records are, fit to print: the file, or the database's URL without password."""
        return str(self.path)

    def add(self, record: Record, score: float | None, passed: bool | None, pass_mark: int | None,
            score_note: str | None, source: str, identity: SignedInAs | None = None) -> Stored:
        """Insert, or tell a replay (same body: same answer) from a conflict (same id, other body).
        ``identity`` is who the organisation's sign-in says sent it (None: self-asserted).

        Returns only once the record is committed to disk (or was already there)."""
        committed = threading.Event()
        pending = self.submit(record, score, passed, pass_mark, score_note, source, on_done=committed.set,
                              identity=identity)
        committed.wait()
        return self.answer(pending)

    def submit(self, record: Record, score: float | None, passed: bool | None, pass_mark: int | None,
               score_note: str | None, source: str, on_done: Callable[[], None] | None = None,
               identity: SignedInAs | None = None) -> _Pending:
        """Queue a record for the writer without waiting. ``on_done`` runs on the writer thread
        once its transaction committed (or failed), so an event loop can await the commit
        holding no thread of its own; :meth:`answer` then says what became of the record."""
        pass_mark = pass_mark if pass_mark is not None else record.pass_mark
        pending = _Pending(record, score, passed, pass_mark, score_note, source, record.canonical(),
                           on_done=on_done)
        if identity is not None:
            pending.identity, pending.identity_issuer, pending.identity_subject = identity
        self._queue.put(pending)
        return pending

    def answer(self, pending: _Pending) -> Stored:
        """What became of a submitted record, once its ``on_done`` ran; its error, raised."""
        if isinstance(pending.error, sqlite3.Error):
            raise store_error(self.path, pending.error)
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        """Write a batch in one transaction; nobody hears back until it is on disk."""
        db = self._writer
        try:
            db.execute("BEGIN IMMEDIATE")
            write_batch(db, batch)
            self.check()  # the file the service opens next time is the one committed to
            db.execute("COMMIT")
        except BaseException as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            for pending in batch:
                pending.result, pending.error = None, error
        for pending in batch:
            pending.finish()

    def check(self) -> None:
        """Refuse to go on when the database file was removed, replaced or made read-only since
        the store opened it: a commit would reach a file nobody opens again."""
        self.check_readable()
        if not os.stat(self.path).st_mode & 0o222:
            raise StoreUnavailable(f"the records database {self.path} is read-only; nothing was stored")

    def knows_policy_version(self, policy_id: str, version: str, content_hash: str) -> bool:
        with self._reader() as db:
            row = db.execute(
                "SELECT 1 FROM records WHERE policy_id = ? AND policy_version = ? AND policy_hash = ? "
                "LIMIT 1", (policy_id, version, content_hash)).fetchone()
        return row is not None

    def count(self, kind: str | None = None) -> int:
        where, parameters = ("", ()) if kind is None else (" WHERE kind = ?", (kind,))
        with self._reader() as db:
            found: int = db.execute(f"SELECT count(*) FROM records{where}", parameters).fetchone()[0]
        return found

    def ids(self) -> set[str]:
        with self._reader() as db:
            return {row[0] for row in db.execute("SELECT id FROM records")}

    def rows(self, kind: str | None = None, columns: Sequence[str] | None = None, *,
             include_void: bool = False) -> Iterator[sqlite3.Row]:
        """Rows in the order they arrived, fetched a few at a time (never the whole table).

        ``columns`` limits what is read (default: all, stored body included); the column
        ``void_reason`` is the reason of the record's void (null when it stands). Voided
        records are left out unless ``include_void``."""
        unknown = set(columns or ()) - {"seq", "void_reason", "chain", *COLUMN_NAMES}
        if unknown:
            raise ValueError(f"no such column(s): {', '.join(sorted(unknown))}")
        selected = ", ".join(_VOID_REASON if name == "void_reason" else f"records.{name}"
                             for name in columns) if columns else f"records.*, {_VOID_REASON}"
        for batch in self._select(selected, kind, include_void):
            yield from batch

    def cells(self, kind: str | None, expressions: Sequence[str], *, include_void: bool = False,
              functions: Mapping[str, Callable[[Any], Any]] | None = None, utf8: bool = False
              ) -> Iterator[list[tuple[Any, ...]]]:
        """Plain tuples of SQL ``expressions`` over the records of ``kind`` in arrival order, streamed
        like :meth:`rows` but a batch (list) at a time: an export has SQLite make its cells (in C)
        instead of an object per row and a call per cell. ``VOID_REASON`` in an expression is the
        record's void reason (null when it stands); ``functions`` are one-argument SQL functions
        the expressions call; ``utf8``: text comes as SQLite's UTF-8 bytes, for bytes output."""
        selected = ", ".join(expressions).replace("VOID_REASON", _VOID_REASON.removesuffix(" AS void_reason"))
        yield from self._select(selected, kind, include_void, functions or {}, plain=True, utf8=utf8)

    def _select(self, selected: str, kind: str | None, include_void: bool,
                functions: Mapping[str, Callable[[Any], Any]] | None = None, plain: bool = False,
                utf8: bool = False) -> Iterator[list[Any]]:
        standing = "NOT EXISTS (SELECT 1 FROM voids WHERE voids.record_id = records.id)"
        where = [] if include_void else [standing]
        where += [] if kind is None else ["kind = ?"]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._reader() as db:
            for name, function in (functions or {}).items():
                db.create_function(name, 1, function, deterministic=True)
            db.row_factory = None if plain else sqlite3.Row
            db.text_factory = bytes if utf8 else str
            cursor = db.execute(f"SELECT {selected} FROM records{clause} ORDER BY seq",
                                () if kind is None else (kind,))
            while batch := cursor.fetchmany(500):
                yield batch

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection of its own, so reads never wait on the writer's lock; SQLite
        errors leave as :class:`StoreUnavailable`, and a removed or replaced file is one too."""
        with guarded(self.path):
            self.check_readable()
            with closing(connect(self.path)) as db:
                yield db

    def check_readable(self) -> None:
        """Like :meth:`check`, but a read-only file still reads."""
        now = file_id(self.path)
        if now != self._file:
            what = "removed" if now is None else "replaced"
            raise StoreUnavailable(f"the records database {self.path} was {what} while the service "
                                   "ran; nothing was stored; restore it and restart the service")


INSERT_SQL = chain.insert_sql(COLUMN_NAMES)
_KNOWN = "SELECT id, body, received_at, score, passed, score_note FROM records WHERE id IN ({marks})"


def write_batch(db: Connection, batch: list[_Pending]) -> None:
    """Store a writer's batch inside its transaction (SQLite's or PostgreSQL's), each pending
    record's ``result`` set: the ids already stored are read in one query, each new record is
    chained in memory and all go in with one ``executemany``, and the head is written once.

    A record whose id is stored (or comes earlier in the batch) is a replay when its canonical
    body is the same, else a conflict; either way nothing is written for it."""
    received = utc_now()
    ids = list(dict.fromkeys(pending.record.id for pending in batch))
    bodies: dict[str, str] = {}  # id -> the canonical body stored (or going in with this batch)
    stored: dict[str, Stored] = {}  # id -> what was told of that body (replay: False for one new here)
    for row in db.execute(_KNOWN.format(marks=", ".join("?" * len(ids))), ids):
        bodies[row["id"]] = row["body"]
        stored[row["id"]] = Stored(row["id"], row["received_at"], row["score"], _bool(row["passed"]),
                                   row["score_note"], replay=True)
    appender, rows = chain.Appender(db), []
    for pending in batch:
        record_id, pending.received = pending.record.id, received
        body = bodies.get(record_id)
        if body is None:
            rows.append(appender.linked(COLUMN_NAMES, pending.values()))
            pending.result = stored[record_id] = Stored(record_id, received, pending.score, pending.passed,
                                                        pending.score_note)
            bodies[record_id] = pending.body
        elif body == pending.body:
            pending.result = dataclasses.replace(stored[record_id], replay=True)
        else:
            first = stored[record_id].received_at
            pending.result = Stored(record_id, first, None, None, None, conflict=True)
    if rows:
        db.executemany(INSERT_SQL, rows)
    appender.finish()


_VOID_REASON = ("(SELECT reason FROM voids WHERE voids.record_id = records.id ORDER BY seq LIMIT 1)"
                " AS void_reason")


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)
