"""``records migrate``: copy a records store to another database, row for row, and prove it.

Records and void entries keep their seq and chain values, and the copy keeps the original's
chain head, so the copy verifies to the *same* head: anyone holding a head printed by an
earlier ``records verify`` can check the copy against it. Exam attempts in progress come too;
HR sessions do not (people sign in again). The target must be empty; the source is read in one
snapshot, so the service may keep running on it (records it takes after the snapshot are not
copied: stop it first for a move).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from handbook.records import chain, migrations
from handbook.records.attempts import STEPS as ATTEMPT_STEPS
from handbook.records.database import Connection, snapshot, write
from handbook.records.evidence import verify_store
from handbook.records.store import Store

TABLES = {"records": "record(s)", "voids": "void entry(ies)", "exam_attempts": "exam attempt(s)"}
"""What is copied, in this order (void entries name records), and how the summary names it."""
BATCH = 500


class MigrateRefused(Exception):
    """The copy was not made (a broken source chain, a target that is not empty)."""


@dataclass
class Copied:
    """What went over, and what the check of the copy found (no problems: it holds)."""

    counts: dict[str, int]
    rows: int
    head: str
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        what = ", ".join(f"{count} {TABLES[table]}" for table, count in self.counts.items())
        return f"copied {what}; verified: {self.rows} row(s) chained, head {self.head} on both"


def copy_store(source: Store, target: Store) -> Copied:
    """Copy ``source`` into the empty ``target`` and check the copy: the same number of rows in
    every table and the chain recomputed on the target ending at the source's head."""
    migrations.apply(source.database, ATTEMPT_STEPS)
    migrations.apply(target.database, ATTEMPT_STEPS)
    counts: dict[str, int] = {}
    with snapshot(source.database) as src:
        verdict = chain.check(src)
        if verdict.problems:
            raise MigrateRefused("the source's chain is broken; nothing was copied (records verify "
                                 f"names the rows): {verdict.problems[0]}")
        with write(target.database) as dst:
            present = {table: _count(dst, table) for table in TABLES}
            if any(present.values()):
                filled = ", ".join(f"{count} {table}" for table, count in present.items() if count)
                raise MigrateRefused(f"{target.location} is not empty ({filled}); copy into an empty "
                                     "database")
            for table in TABLES:
                counts[table] = _copy(src, dst, table)
            chain.set_head(dst, chain.head(src))
    copied = verify_store(target)
    problems = list(copied.problems)
    with snapshot(target.database) as dst:
        problems += [f"{table}: {counts[table]} row(s) copied but {found} in {target.location}"
                     for table in TABLES if (found := _count(dst, table)) != counts[table]]
    if copied.head != verdict.head or copied.rows != verdict.rows:
        problems.append(f"the copy's chain ends at {copied.head} ({copied.rows} rows), the source's at "
                        f"{verdict.head} ({verdict.rows} rows)")
    return Copied(counts, copied.rows, copied.head, problems)


def _count(db: Connection, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _copy(src: Connection, dst: Connection, table: str) -> int:
    """Every row of ``table``, in its first column's order, a batch at a time."""
    cursor = src.execute(f"SELECT * FROM {table} ORDER BY 1")
    names: Sequence[str] = [column[0] for column in cursor.description]
    insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    copied = 0
    while batch := cursor.fetchmany(BATCH):
        dst.executemany(insert, [tuple(row) for row in batch])
        copied += len(batch)
    return copied
