"""The evidence chain: every stored row carries ``chain = sha256(previous chain + its content)``.

Records and void entries share one sequence (``seq``): a void is its own row in the
``voids`` table, numbered from the same counter as the records, so the chain runs through
both in ``seq`` order. The head (last seq, its chain, the number of rows) is kept in the
``handbook_schema`` table, so a row cut off the end is caught as well as one changed,
removed, inserted or reordered in the middle.

Every append reads the head and writes the row *inside* the caller's write transaction
(``BEGIN IMMEDIATE``): SQLite lets one writer in at a time, whether the service's writer
thread, an importer in another process or ``records void``, so concurrency cannot fork it.

A row's canonical content is JSON (keys sorted, UTF-8, no spaces) of its table name, its
``seq`` and the columns in ``RECORD_FIELDS`` / ``VOID_FIELDS``; anyone can recompute it:
``sha256((previous_chain + content).encode("utf-8")).hexdigest()``, starting from
``GENESIS`` (64 zeros).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from handbook.records.database import Connection

SCHEMA_VERSION = 2
"""1: records without a chain; 2: the chain, the identity column and the voids table."""
GENESIS = "0" * 64
SELF_ASSERTED = "self-asserted"

RECORD_FIELDS: tuple[str, ...] = (
    "id", "kind", "policy_id", "policy_version", "policy_hash", "quiz_id", "quiz_version", "form_id",
    "form_version", "employee_id", "name", "department", "role", "email", "statement", "signature",
    "questions", "answers", "score", "passed", "pass_mark", "attempt", "client_score", "client_passed",
    "score_note", "started_at", "submitted_at", "user_agent", "received_at", "source", "body", "identity",
)
"""The record columns the chain covers (fixed: a later column is not chained until a new version)."""
CHAINED_WHEN_SET: tuple[str, ...] = ("identity_issuer", "identity_subject")
"""Later record columns the chain covers when they hold a value: a row without one (every row
written before they existed) has the content it always had, so its chain value stands."""
VOID_FIELDS: tuple[str, ...] = ("record_id", "reason", "voided_by", "voided_at")

META = """
CREATE TABLE IF NOT EXISTS handbook_schema (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS voids (
    seq INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    voided_by TEXT NOT NULL,
    voided_at TEXT NOT NULL,
    chain TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS voids_record ON voids (record_id);
"""


def chained(row: dict[str, Any]) -> dict[str, Any]:
    """What the chain covers of a record row: every ``RECORD_FIELDS`` column, and each
    ``CHAINED_WHEN_SET`` column that holds a value."""
    covered = {name: row.get(name) for name in RECORD_FIELDS}
    covered.update((name, row[name]) for name in CHAINED_WHEN_SET if row.get(name) is not None)
    return covered


def add_later_columns(db: sqlite3.Connection) -> None:
    """Give a store made before them the ``CHAINED_WHEN_SET`` columns (nullable, so no row changes)."""
    present = {row[1] for row in db.execute("PRAGMA table_info(records)")}
    for name in CHAINED_WHEN_SET:
        if name not in present:
            try:
                db.execute(f"ALTER TABLE records ADD COLUMN {name} TEXT")
            except sqlite3.OperationalError as error:  # another process added it just now
                if "duplicate column" not in str(error):
                    raise


CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""JSON with keys sorted, UTF-8 text and no spaces: a chained row's content, a record's canonical
body. Made once (``json.dumps`` with options makes an encoder per call); the same text."""


def content(table: str, seq: int, values: dict[str, Any]) -> str:
    """The canonical content of one chained row, as SQLite gives it back (booleans are 0/1)."""
    stored = {"table": table, "seq": seq, **values}
    for name, value in values.items():
        if value.__class__ is bool:
            stored[name] = int(value)
    return CANONICAL_JSON.encode(stored)


def link(previous: str, row_content: str) -> str:
    return hashlib.sha256((previous + row_content).encode("utf-8")).hexdigest()


def _meta(db: Connection, name: str) -> str | None:
    row = db.execute("SELECT value FROM handbook_schema WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def _set_meta(db: Connection, **values: object) -> None:
    db.executemany("INSERT INTO handbook_schema (name, value) VALUES (?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                   [(name, str(value)) for name, value in values.items()])


@dataclass(frozen=True)
class Head:
    seq: int
    chain: str
    rows: int


def head(db: Connection) -> Head:
    """The chain's head as recorded in the schema table (the genesis on an empty store); one
    query, since on PostgreSQL each is a round trip inside the writers' turn."""
    found = {str(row[0]): str(row[1]) for row in db.execute(
        "SELECT name, value FROM handbook_schema WHERE name IN ('chain_seq', 'chain_head', 'chain_rows')")}
    return Head(int(found.get("chain_seq") or 0), found.get("chain_head") or GENESIS,
                int(found.get("chain_rows") or 0))


def set_head(db: Connection, found: Head) -> None:
    """Record ``found`` as the head (a store copied row for row keeps its original's head)."""
    _set_meta(db, chain_seq=found.seq, chain_head=found.chain, chain_rows=found.rows)


def _advance(db: Connection, table: str, values: dict[str, Any]) -> tuple[int, str]:
    """The next seq and chain value after the head; records the new head. Call inside a write
    transaction."""
    last, seq, chain = _next(db, table, values)
    _set_meta(db, chain_seq=seq, chain_head=chain, chain_rows=last.rows + 1)
    return seq, chain


def _next(db: Connection, table: str, values: dict[str, Any]) -> tuple[Head, int, str]:
    last = head(db)
    seq = max(last.seq, _max_seq(db)) + 1
    return last, seq, link(last.chain, content(table, seq, values))


def _max_seq(db: Connection) -> int:
    found = db.execute("SELECT max(s) FROM (SELECT max(seq) AS s FROM records "
                       "UNION ALL SELECT max(seq) FROM voids) AS seqs").fetchone()[0]
    return int(found or 0)


class Appender:
    """Records appended to the chain in one write transaction: the head is read once, moved on
    in memory row by row, and written back once by :meth:`finish`; the rows go in with one
    ``executemany`` (a PostgreSQL batch then costs a few round trips, not one per record)."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self.head = head(db)
        self.seq = max(self.head.seq, _max_seq(db))
        self.moved = False

    def linked(self, columns: Sequence[str], values: Sequence[Any]) -> tuple[Any, ...]:
        """The next record row as ``(seq, *values, chain)``, the head moved on past it in memory:
        for a batch whose ids the caller knows are new, inserted with one ``executemany`` of
        :func:`insert_sql` before :meth:`finish` (a conflict then fails the whole transaction)."""
        seq, row = self.seq + 1, dict(zip(columns, values, strict=True))
        chain = link(self.head.chain, content("records", seq, chained(row)))
        self.seq, self.head, self.moved = seq, Head(seq, chain, self.head.rows + 1), True
        return (seq, *values, chain)

    def finish(self) -> None:
        """Record the head reached (before the transaction commits)."""
        if self.moved:
            set_head(self.db, self.head)


def insert_sql(columns: Sequence[str]) -> str:
    """The insert of rows made by :meth:`Appender.linked` over ``columns``."""
    names = ["seq", *columns, "chain"]
    return f"INSERT INTO records ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def append_void(db: Connection, record_id: str, reason: str, voided_by: str, voided_at: str) -> int:
    """Insert one void entry into the chain; inside a write transaction. Returns its seq."""
    values = {"record_id": record_id, "reason": reason, "voided_by": voided_by, "voided_at": voided_at}
    seq, chain = _advance(db, "voids", values)
    db.execute("INSERT INTO voids (seq, record_id, reason, voided_by, voided_at, chain) "
               "VALUES (?, ?, ?, ?, ?, ?)", (seq, record_id, reason, voided_by, voided_at, chain))
    return seq


def migrate(db: sqlite3.Connection) -> None:
    """Bring a store to ``SCHEMA_VERSION``: add the identity and chain columns and the voids
    table, and chain the rows already there in seq order. Safe to run at every open."""
    db.executescript(META)
    add_later_columns(db)
    if int(_meta(db, "version") or 1) >= SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if int(_meta(db, "version") or 1) < SCHEMA_VERSION:  # another process may have done it
            present = {row[1] for row in db.execute("PRAGMA table_info(records)")}
            if "identity" not in present:
                db.execute(f"ALTER TABLE records ADD COLUMN identity TEXT NOT NULL DEFAULT '{SELF_ASSERTED}'")
            if "chain" not in present:
                db.execute("ALTER TABLE records ADD COLUMN chain TEXT")
            _chain_existing(db)
            _set_meta(db, version=SCHEMA_VERSION)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _chain_existing(db: sqlite3.Connection) -> None:
    previous, count, last = GENESIS, 0, 0
    names = (*RECORD_FIELDS, *CHAINED_WHEN_SET)
    rows = db.execute(f"SELECT seq, {', '.join(names)} FROM records ORDER BY seq").fetchall()
    for row in rows:
        previous = link(previous, content("records", row[0], chained(dict(zip(names, row[1:], strict=True)))))
        db.execute("UPDATE records SET chain = ? WHERE seq = ?", (previous, row[0]))
        count, last = count + 1, row[0]
    _set_meta(db, chain_seq=last, chain_head=previous, chain_rows=count)


@dataclass(frozen=True)
class Link:
    """One chained row as read back: where it is, what it is, its stored and recomputed chain."""

    seq: int
    table: str
    record_id: str
    """The record's id; for a void entry, the id of the record it voids."""
    stored: str | None
    previous: str
    content: str

    @property
    def expected(self) -> str:
        return link(self.previous, self.content)

    @property
    def name(self) -> str:
        return f"record {self.record_id}" if self.table == "records" else f"void of {self.record_id}"


def links(db: Connection) -> Iterator[Link]:
    """Every chained row in seq order, each with the chain value its predecessor implies."""
    record_fields = (*RECORD_FIELDS, *CHAINED_WHEN_SET)
    cursor = db.execute(
        f"SELECT 'records' AS tbl, seq, chain, {', '.join(record_fields)}, "
        f"{', '.join('NULL' for _ in VOID_FIELDS)} FROM records "
        f"UNION ALL SELECT 'voids', seq, chain, {', '.join('NULL' for _ in record_fields)}, "
        f"{', '.join(VOID_FIELDS)} FROM voids ORDER BY seq")
    previous = GENESIS
    while batch := cursor.fetchmany(500):
        for row in batch:
            table, seq, stored = row[0], row[1], row[2]
            fields = record_fields if table == "records" else VOID_FIELDS
            offset = 3 if table == "records" else 3 + len(record_fields)
            values = dict(zip(fields, row[offset:offset + len(fields)], strict=True))
            values = chained(values) if table == "records" else values
            ident = values["id"] if table == "records" else values["record_id"]
            yield Link(seq, table, str(ident), stored, previous, content(table, seq, values))
            previous = stored or ""


@dataclass(frozen=True)
class Verdict:
    rows: int
    head: str
    problems: list[str]


@contextmanager
def snapshot(db: Connection) -> Iterator[Connection]:
    """One read transaction: rows and head agree even while the service writes."""
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("ROLLBACK")


def check(db: Connection, keep: Callable[[Link], None] | None = None) -> Verdict:
    """Recompute the chain (call inside :func:`snapshot`); one problem line per broken row.
    ``keep`` sees every row as it is checked (the evidence file keeps one person's)."""
    problems: list[str] = []
    count, last, last_seq = 0, GENESIS, 0
    recorded = head(db)
    for row in links(db):
        count += 1
        if keep is not None:
            keep(row)
        if row.stored != row.expected:
            gap = (f"seq {last_seq + 1}-{row.seq - 1} are missing (removed); "
                   if row.seq > last_seq + 1 else "")
            problems.append(f"seq {row.seq} ({row.name}): chain does not match: {gap}"
                            "this row was changed or inserted, or a row before it was removed or moved")
        last, last_seq = row.stored or "", row.seq
    if not problems and (recorded.chain != last or recorded.rows != count):
        problems.append(f"head: the store records {recorded.rows} row(s) ending at seq {recorded.seq}, "
                        f"found {count} ending at seq {last_seq}: "
                        "rows were removed from or added to the end")
    return Verdict(count, last, problems)


def verify(db: Connection) -> Verdict:
    """The whole chain, checked over one consistent snapshot."""
    with snapshot(db):
        return check(db)


HOW_TO_CHECK = (
    "Each row's chain value is the SHA-256 (hex) of the UTF-8 bytes of the previous row's chain value "
    "followed by this row's content, exactly as given; the first row's previous value is 64 zeros. "
    "Rows follow each other by seq across records and void entries. To re-check one row: "
    "python3 -c 'import hashlib,sys; print(hashlib.sha256((sys.argv[1]+sys.argv[2]).encode()).hexdigest())' "
    "PREVIOUS CONTENT. To re-check the whole store: handbook records verify --db RECORDS_FILE, whose head "
    "must equal the head given here if nothing was added since."
)
"""How anyone can re-check the chain without this program; printed in every evidence file."""
