"""The roster as HR systems export it, reports without voided records, and exports HR can read;
the reports, voids and exports on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from handbook.cli import main
from handbook.records.contract import EXPORTS, normalise_employee_id
from handbook.records.intake import validate
from handbook.records.store import Store
from handbook.records.stores import open_store
from tests.conftest import ROOT
from tests.records_kit import acknowledgement, project_at, quiz_attempt, violation_report

HR_ROSTER = (
    "Employee ID,Full Name,Email Address,DEPARTMENT,Roles,Hire Date,Role Since\r\n"
    "E1,Ann Acknowledged,ann@example.org,Parks,employee,01/05/2026,\r\n"
    "E2,Long Serving,long@example.org,Library,employee;sma,03/14/2012,02/20/2026\r\n"
    "E3,Long Serving Too,too@example.org,Library,employee;sma,2012-03-14,\r\n"
    "E10,Ten Person,ten@example.org,Parks,employee,2026-02-25,\r\n"
)


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test's folder: with PostgreSQL their audit log goes to the working one."""
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def statuses(stdout: str) -> dict[tuple[str, str], str]:
    return {(row["employee_id"], row["requirement_id"]): row["status"]
            for row in csv.DictReader(io.StringIO(stdout))}


@pytest.fixture()
def store_at(tmp_path: Path, new_db) -> tuple[Path | str, list[str]]:
    project = project_at(ROOT)
    path = new_db(tmp_path)
    store = open_store(path)
    bodies = [
        acknowledgement(project, " e 1 ", "Ann Acknowledged"),  # the roster says E1
        acknowledgement(project, "E3", "Long Serving Too"),
        acknowledgement(project, "E1O", "Typo Person"),  # letter O for zero: nearest is E10
    ]
    try:
        ids = [store.add(validate(body), None, True, 80, None, "test").id for body in bodies]
    finally:
        store.close()
    (tmp_path / "roster.csv").write_text(HR_ROSTER, encoding="utf-8")
    return path, ids


def test_one_normal_form_for_employee_ids():
    assert normalise_employee_id(" e 1001 ") == "E1001"
    assert normalise_employee_id("Ｅ１００１") == "E1001"  # full-width, as some systems export
    assert normalise_employee_id("e1001") == normalise_employee_id("E1001")


def test_hr_headers_us_dates_role_since_and_id_spellings_make_the_report(tmp_path, store_at):
    path, _ = store_at
    code, out, err = run("report", str(ROOT), "--roster", str(tmp_path / "roster.csv"),
                         "--as-of", "2026-03-01", "--db", str(path))
    assert code == 0, err
    found = statuses(out)
    assert found["E1", "acknowledge-admin-policy-6"] == "complete"  # " e 1 " is E1
    # hired 2012 but an SMA only since 20 Feb 2026: 30 days from role_since, not overdue
    assert found["E2", "sma-certification"] == "missing"
    assert found["E2", "acknowledge-admin-policy-6"] == "missing"
    assert found["E3", "sma-certification"] == "overdue"  # no role_since: from the 2012 hire date
    due = {row["employee_id"]: row["due_date"] for row in csv.DictReader(io.StringIO(out))
           if row["requirement_id"] == "sma-certification"}
    assert due == {"E2": "2026-03-22", "E3": "2012-04-13"}
    assert "not on the roster: employee id E1O (Typo Person), 1 record(s); did you mean E10?" in err
    assert "not on the roster: employee id  e 1" not in err and "e 1 " not in err


def test_a_bad_us_date_is_one_located_line(tmp_path):
    roster = tmp_path / "roster.csv"
    bad = "E4,Bad Day,bad@example.org,Parks,employee,13/01/2026,\r\n"
    roster.write_text(HR_ROSTER + bad, encoding="utf-8")
    Store(tmp_path / "records.sqlite").close()
    code, _, err = run("report", str(ROOT), "--roster", str(roster), "--as-of", "2026-03-01",
                       "--db", str(tmp_path / "records.sqlite"))
    assert code == 1
    assert f"{roster}:6: hire_date '13/01/2026' is not a date (YYYY-MM-DD or MM/DD/YYYY)" in err.splitlines()


def test_a_voided_record_leaves_the_report_and_exports_unless_asked(tmp_path, store_at):
    path, ids = store_at
    code, out, err = run("records", "void", str(ROOT), ids[0], "--reason", "signed by a colleague",
                         "--by", "hr", "--db", str(path))
    assert code == 0, err
    code, out, err = run("report", str(ROOT), "--roster", str(tmp_path / "roster.csv"),
                         "--as-of", "2026-03-01", "--db", str(path))
    assert statuses(out)["E1", "acknowledge-admin-policy-6"] == "overdue"
    code, plain, _ = run("records", "export", str(ROOT), "--kind", "acknowledgements", "--db", str(path))
    code, full, _ = run("records", "export", str(ROOT), "--kind", "acknowledgements", "--include-void",
                        "--db", str(path))
    plain_ids = [row["record_id"] for row in csv.DictReader(io.StringIO(plain))]
    full_rows = {row["record_id"]: row for row in csv.DictReader(io.StringIO(full))}
    assert plain_ids == ids[1:]
    assert list(full_rows) == ids
    assert full_rows[ids[0]]["void_reason"] == "signed by a colleague"
    assert full_rows[ids[1]]["void_reason"] == ""


def test_exports_carry_dates_identity_and_option_labels(tmp_path, new_db):
    project = project_at(ROOT)
    path = new_db(tmp_path)
    store = open_store(path)
    quiz = quiz_attempt(project, "admin-policy-6-sma", "E2", submitted_at="2026-02-21T23:59:59Z")
    form = violation_report(project, "E2")
    try:
        store.add(validate(quiz), 100.0, True, 80, None, "test")
        store.add(validate(form), None, None, None, None, "test")
    finally:
        store.close()
    exports = {}
    for name in ("quiz-attempts", "forms"):
        code, out, err = run("records", "export", str(ROOT), "--kind", name, "--db", str(path))
        assert code == 0, err
        reader = csv.DictReader(io.StringIO(out))
        assert tuple(reader.fieldnames or ()) == EXPORTS[name].columns
        exports[name] = list(reader)
    attempt = exports["quiz-attempts"][0]
    assert attempt["submitted_at"] == "2026-02-21T23:59:59Z" and attempt["submitted_on"] == "2026-02-21"
    assert attempt["identity"] == "self-asserted"
    sma = next(q for q in project.quizzes if q.id == "admin-policy-6-sma")
    by_id = {q.id: q for q in sma.questions}
    expected = " | ".join(  # in the order asked, each option by its text
        f"{by_id[q].prompt}: " + "; ".join(o.text for o in by_id[q].choices() if o.id in quiz["answers"][q])
        for q in quiz["questions"])
    assert attempt["answer_labels"] == expected
    assert json.loads(attempt["answers"]) == quiz["answers"]  # the ids stay, in their own column
    report_form = next(f for f in project.forms if f.id == "violation-report")
    choices = {f.id: f for f, _ in report_form.fields() if f.options}
    rows = {row["field_id"]: row for row in exports["forms"]}
    assert choices, "the shipped violation report has a choice field"
    for field_id, form_field in choices.items():
        chosen = form["answers"][field_id]
        label = form_field.options[0].label
        assert rows[field_id]["answer"] == label
        assert rows[field_id]["answer_id"] == (chosen if isinstance(chosen, str) else "; ".join(chosen))
    assert {row["identity"] for row in exports["forms"]} == {"self-asserted"}
