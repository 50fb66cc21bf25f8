"""One person's evidence file, and the chain check it rests on."""

from __future__ import annotations

from handbook.records import chain
from handbook.records.store import Store, connect


def verify_store(store: Store) -> chain.Verdict:
    """The chain of the whole store, recomputed from one snapshot."""
    db = connect(store.path)
    try:
        return chain.verify(db)
    finally:
        db.close()
