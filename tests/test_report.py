"""``handbook report``: requirements x roster x records, every status, bad rows, strangers, HTML."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from handbook.cli import main
from handbook.records.report import add_months
from tests.conftest import copy_project
from tests.records_kit import acknowledgement, project_at, quiz_attempt

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROSTER = FIXTURES / "roster.csv"
AS_OF = "2026-03-01"


def write_receipts(folder: Path, records: list[dict]) -> list[str]:
    paths = []
    for record in records:
        person = record["person"]["employee_id"]
        path = folder / f"{record['kind']}-{record['policy']['id']}-{person}-{record['id'][:8]}.json"
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        paths.append(str(path))
    return paths


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def on(day: str) -> dict[str, str]:
    return {"started_at": f"{day}T09:00:00Z", "submitted_at": f"{day}T09:05:00Z"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A project whose policy moved from version 1 to 2, and a store with records of both."""
    base = tmp_path_factory.mktemp("report")
    root = copy_project(base / "project")
    sma = root / "quizzes" / "admin-policy-6-sma.yaml"  # graded as a self-check here, so receipts
    sma.write_text(sma.read_text(encoding="utf-8").replace("grading: service\n", ""), encoding="utf-8")
    db = base / "records.sqlite"
    receipts = base / "receipts"
    receipts.mkdir()
    old = project_at(root)
    first = [acknowledgement(old, "E4", "Outdated Person", **on("2025-06-10"))]
    assert run("records", "import", str(root), *write_receipts(receipts, first), "--db", str(db))[0] == 0

    policy_file = root / "policy_source" / "policies" / "admin-policy-6.yaml"
    text = policy_file.read_text(encoding="utf-8")
    policy_file.write_text(text.replace('version: "1"', 'version: "2"', 1), encoding="utf-8")
    new = project_at(root)
    assert new.policy("admin-policy-6").version == "2"
    later = [
        acknowledgement(new, "E1", "Complete Person", **on("2026-01-05")),
        acknowledgement(new, "E5", "Failed, Sma", role="sma", **on("2026-01-12")),
        *[quiz_attempt(new, "admin-policy-6-sma", "E5", "Failed, Sma", correct=False, score=0.0, **on(day))
          for day in ("2026-01-12", "2026-01-13")],
        acknowledgement(new, "E6", "Liaison Person", **on("2026-01-03")),
        quiz_attempt(new, "admin-policy-6-board", "E6", "Liaison Person", role="staff-liaison",
                     **on("2026-01-04")),
        acknowledgement(new, "Z9", "Not On Roster", **on("2026-02-01")),
    ]
    code, _, err = run("records", "import", str(root), *write_receipts(receipts, later), "--db", str(db))
    assert code == 0, err
    return root, db


@pytest.fixture(scope="module")
def report(store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root, db = store
    out = tmp_path_factory.mktemp("out")
    code, _, stderr = run("report", str(root), "--roster", str(ROSTER), "--out", str(out / "status.csv"),
                          "--html", str(out / "report.html"), "--as-of", AS_OF, "--db", str(db))
    rows = list(csv.DictReader(io.StringIO((out / "status.csv").read_text(encoding="utf-8"), newline="")))
    return {"code": code, "stderr": stderr, "rows": rows,
            "html": (out / "report.html").read_text(encoding="utf-8")}


def statuses(report) -> dict[tuple[str, str], str]:
    return {(row["employee_id"], row["requirement_id"]): row["status"] for row in report["rows"]}


def test_the_roster_fixture_produces_every_status(report):
    assert statuses(report) == {
        ("E1", "acknowledge-admin-policy-6"): "complete",
        ("E2", "acknowledge-admin-policy-6"): "missing",
        ("E3", "acknowledge-admin-policy-6"): "overdue",
        ("E4", "acknowledge-admin-policy-6"): "outdated",
        ("E5", "acknowledge-admin-policy-6"): "complete",
        ("E5", "sma-certification"): "failed",
        ("E6", "acknowledge-admin-policy-6"): "complete",
        ("E6", "staff-liaison-quiz"): "complete",
    }


def test_rows_carry_the_dates(report):
    by_key = {(row["employee_id"], row["requirement_id"]): row for row in report["rows"]}
    assert by_key[("E1", "acknowledge-admin-policy-6")]["completed_on"] == "2026-01-05"
    assert by_key[("E2", "acknowledge-admin-policy-6")]["due_date"] == "2026-03-22"
    assert by_key[("E3", "acknowledge-admin-policy-6")]["due_date"] == "2025-12-31"
    assert by_key[("E4", "acknowledge-admin-policy-6")]["completed_on"] == "2025-06-10"
    assert "version 1" in by_key[("E4", "acknowledge-admin-policy-6")]["detail"]
    assert "2 attempt(s)" in by_key[("E5", "sma-certification")]["detail"]
    assert by_key[("E5", "acknowledge-admin-policy-6")]["name"] == "Failed, Sma"


def test_bad_roster_rows_are_reported_one_line_each(report):
    assert report["code"] == 1
    problems = [line.removeprefix(str(FIXTURES) + "/") for line in report["stderr"].splitlines()
                if "roster.csv:" in line]
    assert problems == [
        "roster.csv:8: unknown role 'mayor'; known: board-member, department-director, employee, itm, mcs, "
        "sma, staff-liaison, town-manager",
        "roster.csv:9: hire_date '2026-13-01' is not a date (YYYY-MM-DD or MM/DD/YYYY)",
        "roster.csv:10: employee_id 'E1' is already on line 2",
        "roster.csv:11: name is empty",
        "roster.csv:12: more fields than the header has columns (a comma in a name needs quotes)",
    ]


def test_records_of_people_not_on_the_roster_are_listed_apart(report):
    assert "not on the roster: employee id Z9 (Not On Roster), 1 record(s)" in report["stderr"]
    assert "Z9" not in {row["employee_id"] for row in report["rows"]}
    assert 'id="not-on-roster"' in report["html"] and "Not On Roster" in report["html"]


def test_the_html_report_has_an_accessible_chart_and_its_data(report):
    html = report["html"]
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert "Parks: 2 of 4 complete (50%)." in html
    assert re.search(r'<th scope="row">Library</th><td[^>]*>0</td><td[^>]*>2</td><td[^>]*>0%</td>', html)
    assert "Failed, Sma" in html and "overdue" in html
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")


def test_a_lapsed_renewal_is_overdue(store, tmp_path):
    root, db = store
    requirements = root / "policy_source" / "requirements.yaml"
    original = requirements.read_text(encoding="utf-8")
    requirements.write_text(original.replace("# renew_every_months: 12", "renew_every_months: 1"),
                            encoding="utf-8")
    try:
        _, stdout, _ = run("report", str(root), "--roster", str(ROSTER), "--as-of", AS_OF, "--db", str(db))
    finally:
        requirements.write_text(original, encoding="utf-8")
    rows = {r["employee_id"]: r for r in csv.DictReader(io.StringIO(stdout, newline=""))
            if r["requirement_id"] == "acknowledge-admin-policy-6"}
    assert rows["E1"]["status"] == "overdue" and rows["E1"]["due_date"] == "2026-02-05"
    assert rows["E2"]["status"] == "missing"


def test_months_are_added_like_a_calendar_does():
    from datetime import date

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_an_unknown_quiz_or_role_in_requirements_is_a_check_error(project_copy):
    requirements = project_copy / "policy_source" / "requirements.yaml"
    text = requirements.read_text(encoding="utf-8")
    text = text.replace("pass_quiz: admin-policy-6-sma", "pass_quiz: no-such-quiz")
    text = text.replace("roles: [staff-liaison]", "roles: [staff-liasion]")
    requirements.write_text(text, encoding="utf-8")
    code, _, stderr = run("check", str(project_copy))
    assert code == 1
    assert re.search(r"policy_source/requirements.yaml:\d+:\d+: unknown quiz 'no-such-quiz'", stderr)
    assert re.search(r"policy_source/requirements.yaml:\d+:\d+: unknown role 'staff-liasion'", stderr)
