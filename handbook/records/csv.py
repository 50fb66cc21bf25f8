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
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from sqlite3 import Row
from typing import TYPE_CHECKING, Any

from handbook.records.contract import EXPORTS
from handbook.records.database import SqliteDatabase
from handbook.records.store import COLUMNS, Store

if TYPE_CHECKING:  # the project (and all it loads) only when an export shows option labels
    from handbook.records.labels import Labels

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
        return _number(value)
    if isinstance(value, list):
        return neutralise(_joined(value))
    return neutralise(str(value))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _joined(items: list[Any]) -> str:
    return "; ".join(_plain(item) for item in items)


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
    return write_cells(columns, (list(map(cell, values)) for values in rows), excel=excel, batch=batch)


def _writer(buffer: io.StringIO) -> Any:
    """RFC 4180 with every cell quoted, so a separator or line break inside one never splits it."""
    return csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")


def write_cells(columns: tuple[str, ...], rows: Iterable[Sequence[str]], *, excel: bool = False,
                batch: int = 256) -> Iterator[str]:
    """:func:`write_rows` for rows whose cells are already CSV text, neutralised."""
    buffer = io.StringIO()
    writer = _writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield (BOM if excel else "") + flush()
    pending: list[Sequence[str]] = []
    for values in rows:
        pending.append(values)
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
    if labels is None:
        from handbook.records.labels import Labels

        labels = Labels()
    return write_rows(EXPORTS[name].columns, _rows(name, stored_rows, labels), excel=excel)


def export_store(store: Store, name: str, *, excel: bool = False, include_void: bool = False,
                 labels: Labels | None = None) -> Iterator[str]:
    """The CSV of one export streamed from the store as text: :func:`export_blocks` decoded."""
    blocks = export_blocks(store, name, excel=excel, include_void=include_void, labels=labels)
    return (block.decode("utf-8") for block in blocks)


def export_blocks(store: Store, name: str, *, excel: bool = False, include_void: bool = False,
                  labels: Labels | None = None) -> Iterator[bytes]:
    """The CSV of one export streamed from the store in UTF-8 blocks of whole lines, reading only
    the columns it needs; the service and ``handbook records export`` both write exactly this.
    Voided records are left out unless ``include_void``; ``labels`` (from the project) turn
    option ids into words.

    An export whose every cell SQLite can make (:data:`CELL_SQL`: the acknowledgements) has
    SQLite write each CSV line in UTF-8, streamed straight to the output with no object per
    cell and no decoding; the quiz attempts and forms (answers in the project's words, a row
    per form answer) go through :func:`export`, as every export does from PostgreSQL (whose SQL
    writes no such line).
    """
    export_of = EXPORTS[name]
    if export_of.name not in CELL_SQL or not isinstance(store.database, SqliteDatabase):
        rows = store.rows(export_of.kind, STORED_COLUMNS[name], include_void=include_void)
        return encoded(export(name, rows, excel=excel, labels=labels))
    line = _line_sql(CELL_SQL[export_of.name])
    if not include_void:  # a standing record has no void reason: no look-up per row
        line = line.replace("VOID_REASON", "NULL")
    lines = store.cells(export_of.kind, (line,), include_void=include_void, functions=CELL_FUNCTIONS,
                        utf8=True)
    return chain(encoded(write_cells(export_of.columns, (), excel=excel)), _neutralised_lines(lines))


_SIGNS = bytes.maketrans(b'",;\t\r\n=+-@', b"\1\1\1\1\1\1\2\2\2\2")
"""In UTF-8 CSV text, a quote, separator or line break becomes 1 and a formula sign 2 (spaces are
deleted too): a batch where 1 is followed by 2 may hold a cell that :func:`neutralise` changes,
at the start of a quoted cell or after a separator inside one (or, rarely, after a doubled quote).
One pass of ``bytes.translate``: a regular expression searching 65 MB took three times as long."""
_MAYBE_FORMULA = re.compile(rb'[",;\t\r\n] *[=+\-@]')
"""The same test for one line of a batch that failed it."""


def _line_sql(cells: Sequence[str]) -> str:
    """SQL writing one CSV line exactly as :func:`write_cells` does: every cell quoted, quotes
    doubled (printf's ``%w``, in one pass over the line), CRLF. No cell may be null."""
    line = '"' + '","'.join("%w" for _ in cells) + '"'
    return f"printf('{line}' || char(13, 10), {', '.join(cells)})"


def _neutralised_lines(batches: Iterable[list[tuple[bytes]]]) -> Iterator[bytes]:
    """CSV lines, a batch at a time, with every cell neutralised. A batch is checked once and
    almost always passes untouched; a line that may hold a formula is read back into cells,
    neutralised and written again."""
    for batch in batches:
        chunk = [row[0] for row in batch]
        text = b"".join(chunk)
        if b"\1\2" in text.translate(_SIGNS, b" "):
            text = b"".join(_defused_line(line) if _MAYBE_FORMULA.search(line) else line for line in chunk)
        yield text


def _defused_line(line: bytes) -> bytes:
    buffer = io.StringIO()
    _writer(buffer).writerow([neutralise(value) for value in next(csv.reader([line.decode("utf-8")]))])
    return buffer.getvalue().encode("utf-8")


def _sql_number(value: float | None) -> str:
    return "" if value is None else _number(float(value))


def _sql_list(text: str | None) -> str:
    value = json.loads(text) if text else None
    return "" if value is None else _joined(value) if isinstance(value, list) else str(value)


CELL_FUNCTIONS: dict[str, Callable[[Any], str]] = {"handbook_number": _sql_number, "handbook_list": _sql_list}
"""The SQL functions :data:`CELL_SQL` calls: the formatting :func:`cell` gives scores and lists."""
_SPECIAL_SQL = {
    "passed": "CASE WHEN records.passed IS NULL THEN '' WHEN records.passed THEN 'yes' ELSE 'no' END",
    "score_mismatch": "CASE WHEN records.score_note IS NULL THEN 'no' ELSE 'yes' END",
    "submitted_on": "substr(records.submitted_at, 1, 10)",
    "questions": "handbook_list(records.questions)",
    "void_reason": "ifnull(VOID_REASON, '')",
}
_REAL_SQL = ("CASE WHEN {0} IS NULL THEN '' WHEN {0} >= 0 AND {0} < 1e9 AND {0} = round({0}, 2) "
             "THEN rtrim(rtrim(printf('%.2f', {0}), '0'), '.') ELSE handbook_number({0}) END")
"""A score as :func:`_number` writes it. SQLite's printf rounds a tie like 2.675 up where Python
rounds the binary value (2.67), so it writes only a number that already has 2 decimals at most
(every score the service computes); any other goes through Python, one call per such cell."""
_STORED_TYPES = {column.name: column.type.split()[0] for column in COLUMNS}
_NOT_NULL = {column.name for column in COLUMNS if "NOT NULL" in column.type}


def _cell_sql(column: str) -> str | None:
    """SQL for one export column's text, as :func:`_rows` then :func:`cell` make it (but for
    neutralising, done per row); None for a cell made from the answers with the project's labels.
    A negative score would be neutralised here and not by :func:`cell`, but records' scores are 0-100."""
    stored = _SOURCE.get(column, column)
    if column in _SPECIAL_SQL or not stored:
        return _SPECIAL_SQL.get(column)
    kind = _STORED_TYPES[stored]
    if kind == "REAL":
        return _REAL_SQL.format(f"records.{stored}")
    if kind == "INTEGER":
        return f"ifnull(CAST(records.{stored} AS TEXT), '')"
    return f"records.{stored}" if stored in _NOT_NULL else f"ifnull(records.{stored}, '')"


def needs_labels(name: str) -> bool:
    """Whether an export shows option labels, so its caller must load the project for them."""
    return name not in CELL_SQL


def _cells_sql(columns: tuple[str, ...]) -> tuple[str, ...] | None:
    cells = [_cell_sql(column) for column in columns]
    return tuple(sql for sql in cells if sql is not None) if None not in cells else None


CELL_SQL: dict[str, tuple[str, ...]] = {
    name: cells for name, export_of in EXPORTS.items() if (cells := _cells_sql(export_of.columns)) is not None
}
"""Export name -> the SQL making each of its cells, for the exports SQLite can make whole."""
