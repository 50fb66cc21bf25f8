"""Online backups of the SQLite records file, checked before they replace the last good one.

SQLite's backup API copies one consistent snapshot of the database while the service keeps
writing (in WAL mode a reader blocks no writer). A file copy promises neither: the main file
alone misses the records still in the ``-wal`` file, and a copy taken during a checkpoint can
be torn. The copy is written beside its target, turned into a single self-contained file,
reopened read-only and checked (``PRAGMA integrity_check`` and the row count), and only then
renamed into place, so a failed backup never replaces a good one.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BUSY_TIMEOUT_S = 10.0


class BackupError(Exception):
    """The backup failed; the message is one line, ``code`` the exit status."""

    code = 1


class BackupRefused(BackupError):
    """Nothing was tried: no records file, or a target that would overwrite it."""

    code = 2


@dataclass(frozen=True)
class Backup:
    path: Path
    records: int
    size: int
    seconds: float

    def line(self) -> str:
        return (f"backed up {self.records} records to {self.path} "
                f"({self.size / 1_000_000:.1f} MB, integrity ok) in {self.seconds:.2f} s")


def target_file(out: Path, now: datetime | None = None) -> Path:
    """``out`` itself, or a dated file inside it when it is a folder (for nightly backups)."""
    if not out.is_dir():
        return out
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return out / f"records-{stamp}.sqlite"


def backup(source: Path, out: Path) -> Backup:
    """Copy ``source`` to ``out`` with the online backup API, then check the copy."""
    started = time.perf_counter()
    if not source.is_file():
        raise BackupRefused(f"{source}: no records file here (use --db PATH)")
    target = target_file(out)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupRefused(f"{target}: is the records file itself; back up to another file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"{error.filename or target}: {error.strerror}") from None
    os.close(handle)
    partial = Path(name)
    try:
        _copy(source, partial)
        records = _check(source, partial)
        os.replace(partial, target)
        _sync_folder(target.parent)
    except sqlite3.Error as error:
        raise BackupError(f"{source}: {error}") from None
    except OSError as error:
        raise BackupError(f"{error.filename or target}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, records, target.stat().st_size, time.perf_counter() - started)


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot create or change the file it names."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)


def _copy(source: Path, partial: Path) -> None:
    """One backup step over the whole file: a single snapshot, however busy the writer is."""
    with closing(_read_only(source)) as live, closing(sqlite3.connect(partial)) as copy:
        live.backup(copy)
        # A self-contained file: a WAL-mode copy would want its -wal and -shm beside it.
        copy.execute("PRAGMA journal_mode = DELETE")
    with partial.open("rb") as written:
        os.fsync(written.fileno())


def _check(source: Path, partial: Path) -> int:
    """The copy's record count, once SQLite finds nothing wrong with it."""
    with closing(_read_only(partial)) as copy:
        verdict = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise BackupError(f"{source}: the copy failed its integrity check: {verdict[0]}")
        try:
            count: int = copy.execute("SELECT count(*) FROM records").fetchone()[0]
        except sqlite3.OperationalError:
            raise BackupError(f"{source}: not a records file (it has no records table)") from None
    return count


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
