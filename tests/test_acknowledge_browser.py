"""The acknowledgement page in Chromium: gated by the self-check, the receipt's every field, the
records service's confirmation or the fallback, errors, names as text, print view, WCAG."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from handbook.grading import grade_attempt
from handbook.project import load_project
from handbook.records.contract import PERSON_FIELDS, receipt_name
from tests.conftest import answer_json, shipped_person
from tests.quiz_driver import (
    ACKNOWLEDGE,
    BOARD,
    EMPLOYEE,
    check_answers,
    fill_person,
    pass_quiz,
    presented,
    settled_axe_violations,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
TRICKY_NAME = 'Zoë <b>O\'Brien</b> & "Co"'
ACKNOWLEDGE_BUTTON = "[data-hb-ack-form] button[type='submit']"


class _RecordsHandler(http.server.SimpleHTTPRequestHandler):
    """The built site plus a stand-in records endpoint that stores or refuses, as told."""

    server: _RecordsServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.refuse:
            status, answer = 503, {"detail": "The records service is paused for maintenance."}
        else:
            self.server.received.append(body)
            status, answer = 201, {"id": body["id"], "stored": True}
        answer_json(self, status, answer)


class _RecordsServer(http.server.ThreadingHTTPServer):
    received: list
    refuse: bool


@pytest.fixture(scope="module")
def records_site(engine_site: Path) -> Iterator[_RecordsServer]:
    handler = functools.partial(_RecordsHandler, directory=str(engine_site))
    server = _RecordsServer(("127.0.0.1", 0), handler)
    server.received, server.refuse = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url(server: _RecordsServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/{path}"


def shipped():
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    return project


def fill_acknowledgement(page, name: str = TRICKY_NAME) -> None:
    fill_person(page, "[data-hb-ack-form]", name=name, employee_id="E-1001", department="Parks", role="sma")
    page.locator("#ack-agree").check()
    page.locator("#ack-signature").fill(name)


def test_acknowledgement_waits_for_a_passed_self_check(page, site_url):
    page.goto(f"{site_url}/{ACKNOWLEDGE}")
    gate = page.locator("[data-hb-ack-gate]")
    assert gate.is_visible() and not page.locator("[data-hb-ack-passed]").is_visible()
    links = gate.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == ["../quizzes/admin-policy-6-employee.html", "../quizzes/admin-policy-6-board.html"]
    assert settled_axe_violations(page) == []
    assert_refused_before_sending(page, "E-1001")
    pass_quiz(page, f"{site_url}/{EMPLOYEE}")
    page.locator("[data-hb-quiz-next] a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{ACKNOWLEDGE}")
    assert gate.is_visible()  # until the form says who is acknowledging
    fill_acknowledgement(page)
    assert not gate.is_visible() and page.locator("[data-hb-ack-form]").is_visible()
    assert "E-1001 passed Employee self-check" in page.locator("[data-hb-ack-passed]").inner_text()


def test_a_failed_self_check_keeps_the_gate_closed(page, site_url):
    page.goto(f"{site_url}/{EMPLOYEE}")
    check_answers(page, unanswered=len(presented(page)))  # nothing answered: 0%
    page.goto(f"{site_url}/{ACKNOWLEDGE}")
    assert_refused_before_sending(page, "E-1001")


def assert_refused_before_sending(page, employee_id: str) -> None:
    """The acknowledgement filled in for ``employee_id``, who has no pass here: refused on the
    page, nothing sent, no certificate, the input kept."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    fill_acknowledgement(page)
    page.locator("[data-hb-ack-form] [name='employee_id']").fill(employee_id)
    page.locator(ACKNOWLEDGE_BUTTON).click()
    status = page.locator("[data-hb-ack] [data-hb-record-status]").inner_text()
    assert status.startswith(f"Not sent: {employee_id} has not passed Employee self-check")
    assert page.locator("[data-hb-ack-gate]").is_visible()
    assert not page.locator("[data-hb-certificate]").is_visible()
    assert page.locator("#ack-signature").input_value() == TRICKY_NAME and sent == []


def test_receipt_holds_every_field_of_the_record(page, site_url):
    """The static test server refuses the POST: no certificate, the input stays, and the receipt
    is one labelled click away (never downloaded by surprise)."""
    answers = pass_quiz(page, f"{site_url}/{EMPLOYEE}")
    page.goto(f"{site_url}/{ACKNOWLEDGE}")
    fill_acknowledgement(page)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.locator(ACKNOWLEDGE_BUTTON).click()
    status = page.locator("[data-hb-ack] [data-hb-record-status]")
    status.filter(has_text="Not recorded yet.").wait_for()
    assert "The records service answered 501." in status.inner_text()
    assert downloads == [] and not page.locator("[data-hb-certificate]").is_visible()
    assert page.locator("#ack-signature").input_value() == TRICKY_NAME
    with page.expect_download() as info:
        page.locator("[data-hb-ack] [data-hb-receipt] button").click()
    download = info.value
    record = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert download.suggested_filename == receipt_name(
        "acknowledgement", "admin-policy-6", "E-1001", record["submitted_at"], record["id"]
    )
    project = shipped()
    policy = project.policy("admin-policy-6")
    quiz = next(q for q in project.quizzes if q.id == "admin-policy-6-employee")
    assert set(record) == {
        "format", "id", "kind", "policy", "quiz", "form", "person", "statement", "signature", "questions",
        "answers", "score", "pass_mark", "passed", "attempt", "started_at", "submitted_at", "user_agent",
    }  # fmt: skip
    assert record["format"] == "handbook-record/1" and UUID4.fullmatch(record["id"])
    assert record["kind"] == "acknowledgement"
    assert record["policy"] == {"id": "admin-policy-6", "version": "1", "hash": policy.content_hash()}
    assert record["quiz"] == {"id": quiz.id, "version": quiz.version} and record["form"] is None
    assert record["person"] == {
        "employee_id": "E-1001",
        "name": TRICKY_NAME,
        "department": "Parks",
        "role": "sma",
        "email": None,
    }
    assert record["statement"] == policy.acknowledgement.statement
    assert record["signature"] == TRICKY_NAME
    assert record["questions"] == list(answers)
    assert {qid: sorted(chosen) for qid, chosen in record["answers"].items()} == {
        qid: sorted(chosen) for qid, chosen in answers.items()
    }
    grade = grade_attempt(quiz, record["questions"], record["answers"])
    assert (record["score"], record["passed"], record["pass_mark"], record["attempt"]) == (
        grade.score,
        True,
        80,
        1,
    )
    assert STAMP.fullmatch(record["started_at"]) and STAMP.fullmatch(record["submitted_at"])
    assert record["started_at"] <= record["submitted_at"] and "Chrome" in record["user_agent"]
    assert download.suggested_filename in status.inner_text()
    assert not page.locator("[data-hb-certificate]").is_visible()


def test_errors_are_linked_to_their_fields_and_announced(page, site_url):
    pass_quiz(page, f"{site_url}/{EMPLOYEE}")
    page.goto(f"{site_url}/{ACKNOWLEDGE}")
    page.locator(ACKNOWLEDGE_BUTTON).click()
    summary = page.locator("[data-hb-ack-form] [data-hb-error-summary]")
    assert page.evaluate("document.activeElement.hasAttribute('data-hb-error-summary')")
    assert summary.locator(".hb-error-title").inner_text() == "There are 6 problems to fix"
    missing = shipped_person("missing")
    assert summary.locator("a").all_inner_texts()[:4] == [missing[f.id] for f in PERSON_FIELDS if f.required]
    assert page.locator("[data-hb-ack-form] [aria-invalid='true']").count() == 6
    agree = page.locator("#ack-agree")
    assert agree.get_attribute("aria-describedby") == "ack-statement ack-agree-error"
    assert settled_axe_violations(page) == []
    summary.locator("a", has_text="Tick the box").click()
    assert page.evaluate("document.activeElement.id") == "ack-agree"
    page.locator("[data-hb-ack-form] [name='email']").fill("not-an-email")
    page.locator(ACKNOWLEDGE_BUTTON).click()
    assert "Enter an email address" in summary.inner_text()


def test_no_wcag_violations_in_the_form_refusal_and_certificate_and_print_shows_the_certificate(
    page, records_site
):
    pass_quiz(page, url(records_site, EMPLOYEE))
    page.goto(url(records_site, ACKNOWLEDGE))
    assert settled_axe_violations(page) == []
    fill_acknowledgement(page, "Grace Hopper")
    records_site.refuse = True
    page.locator(ACKNOWLEDGE_BUTTON).click()
    page.locator("[data-hb-ack] [data-hb-receipt] button").wait_for()
    assert settled_axe_violations(page) == []
    records_site.refuse = False
    page.locator(ACKNOWLEDGE_BUTTON).click()
    page.locator("[data-hb-certificate]").wait_for()
    assert settled_axe_violations(page) == []
    page.evaluate("document.body.classList.add('hb-print-certificate')")  # what the print button does
    page.emulate_media(media="print")
    assert page.locator("[data-hb-certificate]").is_visible()
    assert not page.locator(".hb-policy-meta").is_visible()
    assert not page.locator("[data-hb-cert-print]").is_visible()


def test_a_configured_records_service_gets_the_record_and_its_confirmation_is_shown(page, records_site):
    records_site.refuse = False
    pass_quiz(page, url(records_site, EMPLOYEE))
    page.goto(url(records_site, ACKNOWLEDGE))
    fill_acknowledgement(page)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.locator(ACKNOWLEDGE_BUTTON).click()
    page.locator("[data-hb-certificate]").wait_for()
    status = page.locator("[data-hb-ack] [data-hb-record-status]")
    sent = records_site.received[-1]
    sentence, small_print = status.locator("p").all_inner_texts()
    in_words = r"[A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d\d\W[AP]M"  # local time, never a UTC stamp or an id
    assert re.fullmatch(rf"Recorded by the records service on {in_words}\.", sentence), sentence
    assert small_print == f"Record {sent['id']}"
    assert status.locator(".hb-small-print").inner_text() == small_print
    assert sent["kind"] == "acknowledgement" and sent["person"]["name"] == TRICKY_NAME
    assert downloads == []
    certificate = page.locator("[data-hb-certificate]")
    assert page.evaluate("document.activeElement.id") == "certificate-title"
    name = certificate.locator("[data-hb-cert='name']")
    assert name.text_content() == TRICKY_NAME and name.locator("b").count() == 0
    assert certificate.locator("[data-hb-cert='id']").text_content() == f"Record {sent['id']}"
    when = certificate.locator("[data-hb-cert='submitted_at']").text_content()
    assert when in sentence and not STAMP.search(certificate.inner_text())
    assert certificate.locator("[data-hb-cert='role']").text_content() == "Social Media Administrator"
    assert shipped().policy("admin-policy-6").content_hash() in certificate.inner_text()
    with page.expect_download() as info:  # a copy of the record sent: the same record, the same id
        certificate.locator("[data-hb-cert-download]").click()
    assert json.loads(Path(info.value.path()).read_text(encoding="utf-8")) == sent


def test_a_failing_records_service_says_why_and_offers_the_receipt_of_the_same_record(page, records_site):
    records_site.refuse = True
    pass_quiz(page, url(records_site, EMPLOYEE))
    page.goto(url(records_site, ACKNOWLEDGE))
    fill_acknowledgement(page, "Grace Hopper")
    page.locator(ACKNOWLEDGE_BUTTON).click()
    status = page.locator("[data-hb-ack] [data-hb-record-status]")
    status.filter(has_text="Not recorded yet.").wait_for()
    assert status.inner_text().startswith(
        "Not recorded yet. The records service answered: The records service is paused for maintenance."
    )
    assert not page.locator("[data-hb-certificate]").is_visible()
    with page.expect_download() as info:
        page.locator("[data-hb-ack] [data-hb-receipt] button").click()
    assert info.value.suggested_filename in status.inner_text()
    receipt = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert receipt["signature"] == "Grace Hopper"
    records_site.refuse = False  # the service is back: sending again sends that very record
    page.locator(ACKNOWLEDGE_BUTTON).click()
    page.locator("[data-hb-certificate]").wait_for()
    assert records_site.received[-1] == receipt


def test_quiz_then_acknowledgement_work_opened_from_disk(page, engine_site):
    pass_quiz(page, (engine_site / EMPLOYEE).as_uri())
    page.goto((engine_site / ACKNOWLEDGE).as_uri())
    fill_acknowledgement(page, "Grace Hopper")
    page.locator(ACKNOWLEDGE_BUTTON).click()  # a relative endpoint cannot be reached from disk
    status = page.locator("[data-hb-ack] [data-hb-record-status]")
    assert status.inner_text().startswith(
        "Not recorded yet. No records service is reachable from this page: it was opened from a file."
    )
    with page.expect_download() as info:
        page.locator("[data-hb-ack] [data-hb-receipt] button").click()
    assert json.loads(Path(info.value.path()).read_text(encoding="utf-8"))["passed"] is True
    assert page.console_errors == [] and page.outside_requests == []


def test_a_board_member_passes_the_boards_quiz_and_acknowledges(page, records_site):
    """The boards quiz unlocks the acknowledgement for the roles it is for, and only for them."""
    records_site.refuse = False
    pass_quiz(page, url(records_site, BOARD))  # sent as E-1001
    page.locator("[data-hb-quiz-next] a").click()
    page.wait_for_url(f"**/{ACKNOWLEDGE}")
    gate = page.locator("[data-hb-ack-gate]")
    assert gate.is_visible() and page.locator("[data-hb-ack-form]").is_visible()  # until it says who
    fill_acknowledgement(page, "Grace Hopper")
    page.select_option("[data-hb-ack-form] [name='role']", "board-member")
    assert not gate.is_visible()
    board_quiz = shipped_quiz_title("admin-policy-6-board")
    assert page.locator("[data-hb-ack-passed]").inner_text().startswith(f"E-1001 passed {board_quiz}")
    page.select_option("[data-hb-ack-form] [name='role']", "employee")  # another role: its own self-check
    assert gate.is_visible()
    sent_before = len(records_site.received)
    page.locator(ACKNOWLEDGE_BUTTON).click()
    employee_quiz = shipped_quiz_title("admin-policy-6-employee")
    status = page.locator("[data-hb-ack] [data-hb-record-status]").inner_text()
    assert status.startswith(f"Not sent: E-1001 has not passed {employee_quiz} (the self-check for Employee)")
    assert len(records_site.received) == sent_before
    assert not page.locator("[data-hb-certificate]").is_visible()
    page.select_option("[data-hb-ack-form] [name='role']", "board-member")
    page.locator(ACKNOWLEDGE_BUTTON).click()
    page.locator("[data-hb-certificate]").wait_for()
    sent = records_site.received[-1]
    assert sent["person"]["role"] == "board-member" and sent["quiz"]["id"] == "admin-policy-6-board"
    assert sent["passed"] is True
    certificate = page.locator("[data-hb-certificate]")
    assert certificate.locator("[data-hb-cert='quiz_title']").inner_text() == board_quiz


def shipped_quiz_title(quiz_id: str) -> str:
    return next(q.title for q in shipped().quizzes if q.id == quiz_id)


def test_reload_says_who_already_acknowledged_which_version_and_when(browser, records_site):
    """After acknowledging, the page remembers it on this browser (by employee id): a reload
    says so in local time instead of offering the form again; another person can still sign."""
    records_site.refuse = False
    context = browser.new_context(timezone_id="Europe/London", locale="en-GB")
    page = context.new_page()
    pass_quiz(page, url(records_site, EMPLOYEE))
    page.goto(url(records_site, ACKNOWLEDGE))
    fill_acknowledgement(page, "Grace Hopper")
    page.locator(ACKNOWLEDGE_BUTTON).click()
    page.locator("[data-hb-certificate]").wait_for()
    sent = records_site.received[-1]
    page.reload()
    done = page.locator("[data-hb-ack-done]")
    assert done.is_visible() and not page.locator("[data-hb-ack-form]").is_visible()
    sentence, small_print = done.locator("[data-hb-ack-done-text] p").all_inner_texts()
    version = shipped().policy("admin-policy-6").version
    assert re.fullmatch(rf"Grace Hopper \(ID E-1001\) acknowledged version {version} of this policy on this "
                        r"browser on [A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d\d\W[AP]M\.", sentence), sentence
    assert small_print == f"Record {sent['id']}"
    assert settled_axe_violations(page) == []
    page.locator("[data-hb-ack-again]").click()  # a colleague on the same computer
    assert page.locator("[data-hb-ack-form]").is_visible()
    assert page.evaluate("document.activeElement.id") == "ack-employee-id"
    page.fill("#ack-employee-id", "E-1001")
    page.locator("#ack-employee-id").blur()
    earlier = page.locator("[data-hb-ack-earlier]").inner_text()
    assert earlier.startswith("Grace Hopper (ID E-1001) acknowledged")
    context.close()
