"""Opening the records store ``--db`` names: a SQLite file (the default) or a PostgreSQL URL."""

from __future__ import annotations

from pathlib import Path

from handbook.records.database import Target, is_postgresql, parse_target
from handbook.records.errors import StoreUnavailable
from handbook.records.store import Store

__all__ = ["Target", "is_postgresql", "open_store", "parse_target"]

INSTALL_HINT = "PostgreSQL needs the driver: pip install 'handbook[postgresql]' (psycopg and psycopg-pool)"


def open_store(target: Target, anchor: Path | None = None) -> Store:
    """The store at ``target``. With PostgreSQL, this process's own files (the audit log) go in
    ``anchor``, by default the working directory (systemd: ``WorkingDirectory``), as they go
    beside the records file with SQLite."""
    if not is_postgresql(target):
        return Store(Path(target))
    try:
        from handbook.records.postgres import PgStore
    except ImportError:
        raise StoreUnavailable(INSTALL_HINT) from None
    return PgStore(str(target), anchor)
