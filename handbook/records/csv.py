"""CSV for HR: fixed columns, every cell quoted, and no cell that a spreadsheet runs as a formula.

A name or a form answer is typed by whoever filled the form, and HR may open the file with
comma, semicolon or tab as the separator, so a formula could start at the beginning of a
cell or after any separator or line break inside it; each such piece gets a single quote
before it (see :func:`neutralise`). Rows are written a few at a time as they come from the store.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from sqlite3 import Row
from typing import Any

from handbook.records.contract import EXPORTS
from handbook.records.labels import Labels
from handbook.records.store import Store

SEPARATORS = ",;\t\r\n"
"""Where a spreadsheet may start a new cell: any separator it might be told to use, or a line
break (a cell is opened with comma, semicolon or tab, whatever the file's own quoting says)."""
_SEGMENT = re.compile(r"([,;\t\r\n])( *)([^,;\t\r\n]*)")
_TRIGGER = re.compile(r"(?:^|[,;\t\r\n]) *[=+\-@]")
_OPERATOR = re.compile(r"[()=+\-*/^&!:\"'<>%]")
_NUMBER = re.compile(r"[\d.,]+", re.ASCII)
BOM = "\ufeff"


def formula_like(segment: str) -> bool:
    """Whether a spreadsheet could run ``segment`` as a formula: it starts with ``=``, or with
    ``+``, ``-`` or ``@`` and goes on as a number or with an operator or a bracket. ``-Ann``,
    ``+1 860 555 0100`` and ``@Home`` are not, and stay as typed."""
    first, rest = segment[:1], segment[1:]
    if first == "=":
        return True
    return first in ("+", "-", "@") and bool(_OPERATOR.search(rest) or _NUMBER.fullmatch(rest))


def neutralise(value: str) -> str:
    """A cell no spreadsheet runs, whatever separator it splits the file on: a single quote
    goes before every piece (at the start, or after a separator or line break) that could be
    a formula (OWASP "CSV Injection"); anything else is left exactly as typed."""
    if _TRIGGER.search(value) is None:  # most cells: no piece starts with a formula sign
        return value
    return _SEGMENT.sub(_defused, "\n" + value)[1:]  # the start is a piece after a line break


def _defused(found: re.Match[str]) -> str:
    separator, spaces, segment = found.groups()
    return separator + spaces + ("'" if formula_like(segment) else "") + segment


def cell(value: Any) -> str:
    """One value as CSV text: empty for null, yes/no, 2 decimals at most, lists joined, neutralised."""
    if value.__class__ is str:  # the common case first: exports are mostly text
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return neutralise("; ".join(_plain(item) for item in value))
    return neutralise(str(value))


def _plain(value: Any) -> str:
    """A list item as text, before the joined cell is neutralised once."""
    return "" if value is None else str(value)


_SOURCE = {"record_id": "id", "score_mismatch": "score_note", "field_id": "", "answer": "", "answer_id": "",
           "answer_labels": "", "submitted_on": "submitted_at"}
"""Export column -> the stored column it comes from ("": made from the stored ``answers``)."""


def _stored(name: str) -> tuple[str, ...]:
    columns = EXPORTS[name].columns
    stored = [_SOURCE.get(column, column) for column in columns]
    stored += ["answers"] if "answer" in columns or "answer_labels" in columns else []
    return tuple(dict.fromkeys(column for column in stored if column))


STORED_COLUMNS = {name: _stored(name) for name in EXPORTS}
"""What to select from the store for each export: only these, never the stored body."""


def _rows(name: str, stored_rows: Iterable[Row], labels: Labels) -> Iterator[list[Any]]:
    """Stored rows to lists of values in the export's column order; option ids become the
    labels the project gives them."""
    columns = EXPORTS[name].columns
    keys = [_SOURCE.get(column, column) for column in columns]
    at = {column: i for i, column in enumerate(columns)}
    for row in stored_rows:
        values = [row[key] if key else None for key in keys]
        if "passed" in at and values[at["passed"]] is not None:
            values[at["passed"]] = bool(values[at["passed"]])
        if "score_mismatch" in at:
            values[at["score_mismatch"]] = values[at["score_mismatch"]] is not None
        if "questions" in at:
            questions = values[at["questions"]]
            values[at["questions"]] = json.loads(questions) if questions else None
        if "answer_labels" in at:
            chosen, asked = json.loads(row["answers"]), values[at["questions"]]
            values[at["answer_labels"]] = labels.quiz_answers(row["quiz_id"] or "", chosen, asked)
        if "submitted_on" in at:
            values[at["submitted_on"]] = str(values[at["submitted_on"]])[:10]
        if "answer" not in at:
            yield values
            continue
        answers = json.loads(row["answers"])  # one row per answered field: the columns stay fixed
        if not answers:
            yield values
        for field_id, answer in answers.items():
            values[at["field_id"]], values[at["answer_id"]] = field_id, answer
            values[at["answer"]] = labels.form_answer(row["form_id"] or "", field_id, answer)
            yield list(values)


def write_rows(columns: tuple[str, ...], rows: Iterable[list[Any]], *, excel: bool = False,
               batch: int = 256) -> Iterator[str]:
    """CSV text, a few hundred rows at a time (RFC 4180, every cell quoted so a separator or line
    break inside one never splits it, CRLF), every cell neutralised. ``rows`` are lists of
    values in the order of ``columns``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")

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


def export(name: str, stored_rows: Iterable[Row], *, excel: bool = False, labels: Labels | None = None
           ) -> Iterator[str]:
    """The CSV of one export from the store's rows of its record kind (with at least the
    ``STORED_COLUMNS`` of the export)."""
    return write_rows(EXPORTS[name].columns, _rows(name, stored_rows, labels or Labels()), excel=excel)


def export_store(store: Store, name: str, *, excel: bool = False, include_void: bool = False,
                 labels: Labels | None = None) -> Iterator[str]:
    """The CSV of one export streamed from the store, reading only the columns it needs; the
    service and ``handbook records export`` both write exactly this. Voided records are left
    out unless ``include_void``; ``labels`` (from the project) turn option ids into words."""
    rows = store.rows(EXPORTS[name].kind, STORED_COLUMNS[name], include_void=include_void)
    return export(name, rows, excel=excel, labels=labels)
