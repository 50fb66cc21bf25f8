"""Where records live: one SQLite file (the zero-setup default) or one PostgreSQL database.

Both sit behind one small interface, so the store, the exam attempts, the HR sessions and any
module's own tables run the same SQL on either:

- :meth:`Database.connection` gives a connection whose ``execute(sql, parameters)`` takes
  SQLite's ``?`` placeholders and returns rows readable by position and by column name.
  Each statement commits on its own (autocommit), as with SQLite's ``isolation_level=None``.
- ``BEGIN IMMEDIATE`` opens a *write* transaction: SQLite lets one writer in at a time, and on
  PostgreSQL the same statement also takes a transaction-scoped advisory lock, so writers on
  every instance take turns exactly as SQLite's writers do (the evidence chain relies on it).
  Plain ``BEGIN`` opens a repeatable-read snapshot on PostgreSQL (SQLite's read transactions
  are snapshots already). ``COMMIT`` and ``ROLLBACK`` end either.
- :func:`write` and :func:`snapshot` wrap those two in a ``with`` block::

      with write(store.database) as db:       # committed at the end of the block, or rolled back
          db.execute("INSERT INTO reminders_sent (key, sent_at) VALUES (?, ?)", (key, now))

Write new SQL in the subset both understand: ``TEXT``, ``INTEGER``/``BIGINT``, ``DOUBLE
PRECISION`` (PostgreSQL's ``REAL`` has only 6 digits), ``INSERT ... ON CONFLICT``, no
``INSERT OR REPLACE``, no ``PRAGMA``. Tables come from :mod:`handbook.records.migrations`.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from handbook.records.errors import StoreUnavailable

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"
WRITE_LOCK = 0x68616E64
"""The key ("hand") of the one advisory lock every PostgreSQL writer takes in turn."""

Target = Path | str
"""A SQLite file's path, or a ``postgresql://`` URL (kept as text)."""


def parse_target(text: str) -> Target:
    """``--db``/``HANDBOOK_DB`` as given: a ``postgresql://`` URL stays text; a plain path and
    ``sqlite:///absolute/path`` (as in a ``file://`` URL) name a SQLite file."""
    if text.startswith(POSTGRESQL_SCHEMES):
        return text
    if text.startswith(SQLITE_SCHEME):
        rest = text.removeprefix(SQLITE_SCHEME)
        if not rest.startswith("/") or rest == "/":
            raise ValueError(f"{text}: write a SQLite file as sqlite:///path/to/records.sqlite")
        return Path(rest[1:] if rest.startswith("//") else rest)
    return Path(text)


def is_postgresql(target: Target) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRESQL_SCHEMES)


def shown(target: Target) -> str:
    """A target fit to print or log: a URL's password is never shown."""
    if not isinstance(target, str):
        return str(target)
    parts = urlsplit(target)
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class Connection(Protocol):
    """What every module may call on a connection of either database."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Any, /) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...


class Database(Protocol):
    """One records database; see the module's docstring for the SQL both understand."""

    dialect: str
    """``sqlite`` or ``postgresql``."""

    def connection(self) -> Any: ...
    """A context manager giving a :class:`Connection` (autocommit)."""

    def describe(self) -> str: ...


@contextmanager
def write(database: Database) -> Iterator[Connection]:
    """One write transaction, in turn with every other writer; committed when the block ends
    without an error, rolled back otherwise."""
    with database.connection() as db, _transaction(db, "BEGIN IMMEDIATE", "COMMIT"):
        yield db


@contextmanager
def snapshot(database: Database) -> Iterator[Connection]:
    """One consistent read: every query in the block sees the same committed state."""
    with database.connection() as db, _transaction(db, "BEGIN", "ROLLBACK"):
        yield db


@contextmanager
def _transaction(db: Connection, begin: str, end: str) -> Iterator[None]:
    db.execute(begin)
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute(end)


class SqliteDatabase:
    """A SQLite records file; every connection is a new one of :func:`store.connect`."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        from handbook.records.store import connect

        with closing(connect(self.path)) as db:
            yield db

    def describe(self) -> str:
        return str(self.path)


class Row(tuple[Any, ...]):
    """A PostgreSQL row read like :class:`sqlite3.Row`: by position or by column name."""

    names: dict[str, int]

    def __new__(cls, names: dict[str, int], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        return tuple.__getitem__(self, self.names[key] if key.__class__ is str else key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    return functools.partial(Row, names)


@functools.lru_cache(maxsize=512)
def translated(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def as_stored(values: Sequence[Any]) -> tuple[Any, ...]:
    """Parameters as SQLite stores them: a boolean is the integer 0 or 1 (the columns are
    INTEGER on both databases, so a row reads back, and chains, the same on either)."""
    return tuple(int(value) if isinstance(value, bool) else value for value in values)


class PgConnection:
    """A pooled psycopg connection speaking the SQLite subset (see the module docstring)."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        word = sql.strip().upper()
        if word == "BEGIN IMMEDIATE":  # one round trip: the transaction and the writers' turn
            return self.raw.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})".encode())
        if word == "BEGIN":
            return self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        if not parameters:
            return self.raw.execute(sql.encode("utf-8"))
        return self.raw.execute(translated(sql), as_stored(parameters))

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(translated(sql), [as_stored(row) for row in parameters])
        return cursor

    def executescript(self, sql: str) -> Any:
        return self.raw.execute(sql.encode("utf-8"))

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE


class PostgresDatabase:
    """A PostgreSQL database through a psycopg connection pool shared by the process."""

    dialect = "postgresql"

    def __init__(self, url: str, max_size: int = 8, timeout: float = 10.0) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=max_size, timeout=timeout, open=False, name="handbook",
            kwargs={"autocommit": True, "row_factory": _row_factory},
            check=ConnectionPool.check_connection)
        self._lock = threading.Lock()
        self._opened = False

    def open(self) -> None:
        """Connect now (and wait for the first connection), so a wrong URL is one clear line."""
        import psycopg
        from psycopg_pool import PoolTimeout

        with self._lock:
            if self._opened:
                return
            try:
                psycopg.connect(self.url, connect_timeout=int(self._pool.timeout)).close()  # its own reason
                self._pool.open(wait=True, timeout=self._pool.timeout)
            except (PoolTimeout, psycopg.Error) as error:
                self._pool.close()
                raise StoreUnavailable(f"cannot connect to the PostgreSQL database {self.describe()}: "
                                       f"{first_line(error)}") from None
            self._opened = True

    @contextmanager
    def connection(self) -> Iterator[PgConnection]:
        import psycopg
        from psycopg_pool import PoolTimeout

        self.open()
        try:
            with self._pool.connection() as raw:
                yield PgConnection(raw)
        except PoolTimeout:
            raise StoreUnavailable(f"the PostgreSQL database {self.describe()} does not answer; "
                                   "nothing was stored") from None
        except psycopg.OperationalError as error:
            raise StoreUnavailable(f"the PostgreSQL database {self.describe()} failed: "
                                   f"{first_line(error)}") from None

    def close(self) -> None:
        self._pool.close()

    def describe(self) -> str:
        return shown(self.url)


def driver_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a database may raise: SQLite's, psycopg's (when installed) and ours."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error, StoreUnavailable)
    return (sqlite3.Error, psycopg.Error, StoreUnavailable)


def first_line(error: BaseException) -> str:
    """The first line of a driver's message (psycopg adds hints on more lines)."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
