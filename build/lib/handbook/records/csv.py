"""CSV for HR: fixed columns, RFC 4180 quoting, and no cell that a spreadsheet runs as a formula.

A name or a form answer is typed by whoever filled the form, so any cell may start with
``=``, ``+``, ``-``, ``@``, a tab, CR or LF; such a cell gets a leading single quote (OWASP
"CSV Injection"). Rows are written one at a time as they come from the store.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from sqlite3 import Row
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"

_PERSON = ("employee_id", "name", "email", "department", "role")

COLUMNS: dict[str, tuple[str, ...]] = {
    "acknowledgements": (
        "record_id", "received_at", "submitted_at", *_PERSON, "policy_id", "policy_version",
        "policy_hash", "statement", "signature", "quiz_id", "quiz_version", "score", "passed", "source",
    ),
    "quiz-attempts": (
        "record_id", "received_at", "started_at", "submitted_at", *_PERSON, "policy_id",
        "policy_version", "quiz_id", "quiz_version", "attempt", "score", "pass_mark", "passed",
        "client_score", "score_mismatch", "questions", "answers", "source",
    ),
    "forms": (
        "record_id", "received_at", "submitted_at", *_PERSON, "policy_id", "policy_version",
        "form_id", "form_version", "field_id", "answer", "source",
    ),
}
"""Export kind -> its columns, in order. RECORDS.md documents each; never reorder them."""

RECORD_KIND = {"acknowledgements": "acknowledgement", "quiz-attempts": "quiz-attempt", "forms": "form"}


def neutralise(value: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


_FORMULA = frozenset(FORMULA_STARTS)


def cell(value: Any) -> str:
    """One value as CSV text: empty for null, yes/no, 2 decimals at most, lists joined, neutralised."""
    if value.__class__ is str:  # the common case first: exports are mostly text
        return "'" + value if value[:1] in _FORMULA else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return neutralise("; ".join(cell(item).removeprefix("'") for item in value))
    return neutralise(str(value))


_SOURCE = {"record_id": "id", "score_mismatch": "score_note", "field_id": "", "answer": ""}
"""Export column -> the stored column it comes from ("": made from the stored ``answers``)."""



def _stored(kind: str) -> tuple[str, ...]:
    names = [_SOURCE.get(name, name) for name in COLUMNS[kind]] + (["answers"] if kind == "forms" else [])
    return tuple(dict.fromkeys(name for name in names if name))


STORED_COLUMNS = {kind: _stored(kind) for kind in COLUMNS}
"""What to select from the store for each export: only these, never the stored body."""


def _rows(kind: str, stored_rows: Iterable[Row]) -> Iterator[list[Any]]:
    """Stored rows to lists of values in the export's column order."""
    keys = [_SOURCE.get(name, name) for name in COLUMNS[kind]]
    at = {name: i for i, name in enumerate(COLUMNS[kind])}
    for row in stored_rows:
        values = [row[key] if key else None for key in keys]
        if "passed" in at and values[at["passed"]] is not None:
            values[at["passed"]] = bool(values[at["passed"]])
        if kind == "quiz-attempts":
            values[at["score_mismatch"]] = values[at["score_mismatch"]] is not None
            questions = values[at["questions"]]
            values[at["questions"]] = json.loads(questions) if questions else None
        if kind != "forms":
            yield values
            continue
        answers = json.loads(row["answers"])  # one row per answered field: the columns stay fixed
        if not answers:
            yield values
        for field_id, answer in answers.items():
            values[at["field_id"]], values[at["answer"]] = field_id, answer
            yield list(values)


def write_rows(columns: tuple[str, ...], rows: Iterable[list[Any]], *, excel: bool = False,
               batch: int = 256) -> Iterator[str]:
    """CSV text, a few hundred rows at a time (RFC 4180: minimal quoting, CRLF), every cell
    neutralised. ``rows`` are lists of values in the order of ``columns``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield (BOM if excel else "") + flush()
    pending: list[list[str]] = []
    for values in rows:
        pending.append(list(map(cell, values)))
        if len(pending) >= batch:
            writer.writerows(pending)
            pending.clear()
            yield flush()
    if pending:
        writer.writerows(pending)
        yield flush()


def encoded(lines: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """UTF-8 in blocks of about ``size`` bytes: fewer, larger writes to the network."""
    block: list[bytes] = []
    filled = 0
    for text in lines:
        data = text.encode("utf-8")
        block.append(data)
        filled += len(data)
        if filled >= size:
            yield b"".join(block)
            block, filled = [], 0
    if block:
        yield b"".join(block)


def export(kind: str, stored_rows: Iterable[Row], *, excel: bool = False) -> Iterator[str]:
    """The CSV of one export kind from the store's rows of its record kind (with at least the
    ``STORED_COLUMNS`` of the kind)."""
    return write_rows(COLUMNS[kind], _rows(kind, stored_rows), excel=excel)
