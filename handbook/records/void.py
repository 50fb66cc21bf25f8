"""Voiding a record: the record stays, a void entry says who voided it, when and why.

Records are evidence, so a mistake (a test record, a wrong person) is never deleted: a void
entry joins the evidence chain after it, and reports and exports leave the record out unless
asked to include voided records. The entry is written in its own ``BEGIN IMMEDIATE``
transaction, so it takes its place in the chain like any record the service commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from handbook.records import chain
from handbook.records.store import Store, utc_now


class VoidRefused(Exception):
    """The void cannot be recorded (no such record, already voided, no reason)."""


@dataclass(frozen=True)
class Voided:
    seq: int
    record_id: str
    voided_at: str


def void_record(store: Store, record_id: str, reason: str, voided_by: str) -> Voided:
    """Append a void entry for ``record_id``; refuse an unknown or already voided record."""
    reason, voided_by = reason.strip(), voided_by.strip()
    if not reason:
        raise VoidRefused("give a reason (--reason): it is kept with the record as evidence")
    if not voided_by:
        raise VoidRefused("say who voids the record (--by)")
    with store.database.connection() as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            found = db.execute("SELECT id FROM records WHERE id = ? OR id = ?",
                               (record_id.strip(), record_id.strip().lower())).fetchone()
            if found is None:
                raise VoidRefused(f"no record with id {record_id.strip()!r} in {store.location}")
            earlier = db.execute("SELECT voided_at, voided_by FROM voids WHERE record_id = ? ORDER BY seq",
                                 (found["id"],)).fetchone()
            if earlier is not None:
                raise VoidRefused(f"record {found['id']} was already voided at {earlier['voided_at']} "
                                  f"by {earlier['voided_by']}")
            at = utc_now()
            seq = chain.append_void(db, found["id"], reason, voided_by, at)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return Voided(seq, found["id"], at)

