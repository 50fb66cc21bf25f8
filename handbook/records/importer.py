"""``handbook records import``: receipts people downloaded, into the same store as the service's.

A receipt meets the same checks as a record sent to the service (:func:`intake.accept`):
re-graded, refused when its policy, quiz or form does not match, and stored once however
often it is imported. One bad file never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from handbook.project import Project
from handbook.projectfiles import FileRefused, read_bytes
from handbook.records.errors import RecordError, Unreadable
from handbook.records.intake import accept, parse
from handbook.records.store import Store

MAX_RECEIPT = 64 * 1024


@dataclass
class ImportResult:
    imported: int = 0
    already: int = 0
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_receipts(project: Project, store: Store, paths: Iterable[Path]) -> ImportResult:
    """Import each receipt; ``failed`` gets one ``file: message`` line per refused file."""
    result = ImportResult()
    for path in paths:
        try:
            body = _read(path)
            stored = accept(project, store, parse(body), "import")
        except RecordError as refused:
            result.failed.append(f"{path}: {'; '.join(refused.messages)}")
            continue
        if stored.replay:
            result.already += 1
            continue
        result.imported += 1
        if stored.score_note:
            result.notes.append(f"{path}: imported, but {stored.score_note}")
    return result


def _read(path: Path) -> bytes:
    """A receipt's bytes: a regular file (a FIFO or a link to /dev/zero is refused, never read
    until it ends), at most ``MAX_RECEIPT`` bytes (the read stops there)."""
    try:
        return read_bytes(path, Path(path.absolute().anchor), MAX_RECEIPT)
    except FileRefused as refused:
        raise Unreadable(str(refused)) from None
