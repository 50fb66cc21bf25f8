"""Which versions of a policy one person acknowledged, for the re-acknowledgement that asks only
the questions on what changed since (``reacknowledge: changed``): the service lets a shorter
attempt through only for someone with an acknowledgement of that earlier version on record.

Read through the database API (SQLite or PostgreSQL), apart from the records table's own code.
"""

from __future__ import annotations

from handbook.records.contract import normalise_employee_id
from handbook.records.store import Store

_QUERY = ("SELECT employee_id, policy_version FROM records WHERE kind = 'acknowledgement' AND policy_id = ? "
          "AND NOT EXISTS (SELECT 1 FROM voids WHERE voids.record_id = records.id)")


def acknowledged_versions(store: Store, policy_id: str, employee_id: str) -> set[str]:
    """The versions of ``policy_id`` that ``employee_id`` (in its comparable form) acknowledged."""
    who = normalise_employee_id(employee_id)
    with store.database.connection() as db:
        rows = db.execute(_QUERY, (policy_id,)).fetchall()
    return {row["policy_version"] for row in rows if normalise_employee_id(row["employee_id"]) == who}
