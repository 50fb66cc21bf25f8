"""The records store on PostgreSQL: several service instances, one database, SQLite's promises.

It is :class:`~handbook.records.store.Store` with the database swapped, so everything that
makes the promises is the same code:

- a 2xx still means committed: each instance's writer thread commits whatever records wait in
  one transaction (group commit) and answers nobody before that COMMIT returned;
- a record id is stored once across all instances: each batch reads which of its ids are
  stored while it holds the writers' advisory lock (below), a replay or a conflict is told apart
  from the row that is there, and the unique constraint on ``id`` fails the whole batch rather
  than store a second row;
- the evidence chain stays one chain: every write transaction first takes one advisory lock
  (``BEGIN IMMEDIATE`` in :mod:`handbook.records.database`), so writers of all instances take
  turns exactly as SQLite's writers do, and each batch holds it once;
- the tables come from numbered migrations applied at start (:mod:`handbook.records.migrations`).

Exports stream: a read runs in one repeatable-read snapshot through a server-side cursor. The
writer thread has a connection of its own, so exports, sessions and exam attempts (which share
a pool of ``pool_size``) never keep a record waiting for a connection. Each instance opens up
to ``pool_size + 1`` connections: mind PostgreSQL's ``max_connections`` (100 by default).
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from handbook.records import chain, migrations
from handbook.records.database import PgConnection, PostgresDatabase, as_stored, first_line, translated, write
from handbook.records.errors import StoreUnavailable
from handbook.records.migrations import Migration
from handbook.records.store import SCHEMA, Store, _Pending, write_batch

ANCHOR_NAME = "records.postgresql"
"""The name :attr:`PgStore.path` gives this instance's own files (the audit log sits beside it)."""


def _records_schema() -> str:
    """SQLite's records table, as PostgreSQL declares it: seq is set by the chain, REAL is
    double precision (PostgreSQL's REAL keeps 6 digits), plus the chain column."""
    sql = SCHEMA.replace("seq INTEGER PRIMARY KEY AUTOINCREMENT", "seq BIGINT PRIMARY KEY")
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    return sql.replace("\n);", ",\n    chain TEXT\n);", 1)


RECORDS_STEPS = (
    Migration("records", 1, "", postgresql=_records_schema() + chain.META.replace(
        "seq INTEGER PRIMARY KEY", "seq BIGINT PRIMARY KEY") +
        f"INSERT INTO handbook_schema (name, value) VALUES ('version', '{chain.SCHEMA_VERSION}') "
        "ON CONFLICT (name) DO NOTHING;"),
)
"""The records, void entries and chain head at the chain's schema version (SQLite's own store
creates and upgrades these itself, see :func:`handbook.records.chain.migrate`)."""


class PgStore(Store):
    """Records in a PostgreSQL database, shared by every instance given the same URL.

    ``anchor`` is the folder of this instance's own files (its audit log; default: the working
    directory), as the folder of the records file is with SQLite."""

    def __init__(self, url: str, anchor: Path | None = None, pool_size: int = 8) -> None:
        self.url = url
        self._database = PostgresDatabase(url, max_size=pool_size)
        self._database.open()
        try:
            migrations.apply(self._database, (*RECORDS_STEPS, *migrations.REGISTERED))
        except Exception as error:
            self._database.close()
            raise StoreUnavailable(f"the PostgreSQL database {self.location} cannot be set up: "
                                   f"{first_line(error)}") from None
        self._writes = PostgresDatabase(url, max_size=1)  # the writer's own: exports never starve it
        self.path = (anchor or Path.cwd()) / ANCHOR_NAME
        self._file = None
        self._names = itertools.count()
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write_loop, name="records-writer", daemon=True)
        self._thread.start()

    @property
    def database(self) -> PostgresDatabase:
        return self._database

    @property
    def location(self) -> str:
        return self._database.describe()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writes.close()
        self._database.close()

    def _commit(self, batch: list[_Pending]) -> None:
        """One transaction per batch, in turn with the other instances' writers (the advisory
        lock); nobody hears back until its COMMIT returned."""
        failure = None
        try:
            with write(self._writes) as db:
                write_batch(db, batch)
        except BaseException as error:
            failure = self._failure(error)
        for pending in batch:
            if failure is not None:  # nothing of the batch was committed
                pending.result, pending.error = None, failure
            pending.finish()

    def _failure(self, error: BaseException) -> BaseException:
        import psycopg

        if isinstance(error, psycopg.Error):
            return StoreUnavailable(f"the PostgreSQL database {self.location} failed: {first_line(error)}; "
                                    "nothing was stored")
        return error

    def check(self) -> None:
        """Nothing to check between writes: the server keeps its own files."""

    def check_readable(self) -> None:
        """As :meth:`check`."""

    @contextmanager
    def _reader(self) -> Iterator[Any]:
        """One repeatable-read snapshot whose queries stream through server-side cursors."""
        import psycopg

        try:
            with self._database.connection() as db, db.raw.transaction():
                db.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield _Streaming(db, self._names)
        except psycopg.Error as error:
            raise StoreUnavailable(f"the PostgreSQL database {self.location} failed: "
                                   f"{first_line(error)}") from None


class _Streaming:
    """A reading connection whose every query is a server-side cursor (rows arrive in batches)."""

    def __init__(self, db: PgConnection, names: Iterator[int]) -> None:
        self.db, self.names = db, names

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        cursor = self.db.raw.cursor(name=f"handbook_read_{next(self.names)}")
        cursor.itersize = 500
        if not parameters:
            return cursor.execute(sql.encode("utf-8"))
        return cursor.execute(translated(sql), as_stored(parameters))
