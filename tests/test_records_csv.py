"""CSV exports: fixed columns, RFC 4180, UTF-8 (BOM for Excel), and no cell runs as a formula;
from SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import io
import re
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
