"""Forms in Chromium: filled by keyboard, errors announced and linked, downloads checked, submit
to a real HTTP endpoint, and no WCAG 2.1 A/AA violations (also in the error state)."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import re
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.build import build
from handbook.project import load_project
from handbook.records import csv as records_csv
from handbook.records.contract import EXPORTS, PERSON_FIELDS, receipt_name
from handbook.records.errors import RecordError
from handbook.records.intake import check_form, check_person, validate
from tests.conftest import ROOT, answer_json, axe_violations, copy_project, shipped_person
from tests.quiz_driver import settle
from tests.test_checklists_browser import tab_to

pytestmark = pytest.mark.browser

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture(scope="module")
def project():
    loaded, problems = load_project(ROOT)
    assert problems == []
    return loaded


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def complete_account_request_by_keyboard(page) -> None:
    """Every step is a key press: Tab to a control, then type, arrow or Space."""
    type_into(page, "#p-employee-id", "E-1042")
    type_into(page, "#p-name", "Dana Whitfield")
    type_into(page, "#p-department", "Parks and Recreation")
    tab_to(page, "#p-role")
    page.keyboard.press("ArrowDown")  # the first role: Employee
    type_into(page, "#p-email", "dana@example.org")
    tab_to(page, "#f-request")
    page.keyboard.press("ArrowDown")  # "create"
    type_into(page, "#f-platform", "LinkedIn")
    type_into(page, "#f-business-purpose", "Summer programs, registration dates, and pool hours.")
    type_into(page, "#f-managed-by", "Parks SMA, once designated")
    tab_to(page, "#f-restrictions-read")
    page.keyboard.press("Space")
    tab_to(page, "#f-wait-for-permission")
    page.keyboard.press("Space")
    type_into(page, "#f-signature", "Dana Whitfield")
    type_into(page, "#f-signed-on", "11232026")


def test_complete_a_form_by_keyboard_and_download_the_json_record(page, site_url, project):
    page.goto(f"{site_url}/forms/account-request.html")
    complete_account_request_by_keyboard(page)
    tab_to(page, "button[data-hb-download='json']")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    record = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert download.suggested_filename == receipt_name(
        "form", "admin-policy-6", "E-1042", record["submitted_at"], record["id"]
    )
    policy = project.policy("admin-policy-6")
    assert record["format"] == "handbook-record/1"
    assert UUID4.match(record["id"])
    assert record["kind"] == "form"
    assert record["policy"] == {"id": policy.id, "version": policy.version, "hash": policy.content_hash()}
    assert record["form"] == {"id": "account-request", "version": "1"}
    assert record["quiz"] is None and record["questions"] is None and record["statement"] is None
    assert record["person"] == {
        "employee_id": "E-1042", "name": "Dana Whitfield", "department": "Parks and Recreation",
        "role": "employee", "email": "dana@example.org",
    }
    assert record["signature"] == "Dana Whitfield"
    assert record["answers"] == {
        "request": "create", "platform": "LinkedIn", "account-url": "",
        "business-purpose": "Summer programs, registration dates, and pool hours.",
        "managed-by": "Parks SMA, once designated", "restrictions-read": True,
        "wait-for-permission": True, "signature": "Dana Whitfield", "signed-on": "2026-11-23",
    }
    assert [record[k] for k in ("score", "pass_mark", "passed", "attempt")] == [None] * 4
    assert STAMP.match(record["started_at"]) and STAMP.match(record["submitted_at"])
    assert record["started_at"] <= record["submitted_at"]
    assert "Chrome" in record["user_agent"]
    # The records service's own checks accept it: the contract between the form and the service.
    stored = validate(record)
    check_form(project, stored)
    check_person(project, stored)


def test_submit_without_a_service_says_so_and_offers_the_receipt(page, engine_site):
    """Opened from disk there is no service to post to (a relative endpoint means none): the
    page says so, downloads nothing by itself, and offers the receipt by a labelled button."""
    page.goto((engine_site / "forms" / "account-request.html").as_uri())
    complete_account_request_by_keyboard(page)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    status = page.locator("[data-hb-record-status]")
    status.filter(has_text="Not recorded yet.").wait_for()
    assert "No records service is reachable from this page: it was opened from a file." in status.inner_text()
    assert downloads == []
    tab_to(page, "[data-hb-receipt] button")
    assert page.locator("[data-hb-receipt] button").inner_text() == (
        "Download receipt (not recorded yet: give this file to HR)"
    )
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    record = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert record["answers"]["wait-for-permission"] is True
    assert f"Saved {info.value.suggested_filename}. It is not recorded yet: give this file to HR." == (
        status.inner_text()
    )
    tab_to(page, "button[data-hb-download='csv']")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {row["field_id"]: row["answer"] for row in rows}["wait-for-permission"] == "yes"
    assert {row["record_id"] for row in rows} == {record["id"]}  # one submission, one record id
    assert "Send it to Marketing & Communications Specialist." in status.inner_text()
    assert page.console_errors == []
    assert page.outside_requests == []


def test_submit_to_a_service_that_refuses_says_why_and_keeps_the_answers(page, site_url):
    """The plain static server answers 501 to a POST: nothing is claimed as recorded."""
    page.goto(f"{site_url}/forms/account-request.html")
    complete_account_request_by_keyboard(page)
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    status = page.locator("[data-hb-record-status]")
    status.filter(has_text="Not recorded yet.").wait_for()
    assert "The records service answered 501." in status.inner_text()
    assert "Recorded by" not in status.inner_text()
    assert page.locator("[data-hb-receipt] button").is_visible()
    assert page.locator("#f-platform").input_value() == "LinkedIn"
    assert page.evaluate("document.activeElement.type") == "submit"  # focus stays where the person is
    assert page.locator("button[type='submit']").get_attribute("aria-disabled") is None
    settled(page)
    assert axe_violations(page) == []


def fill_removed_content(page, name: str = "=HYPERLINK(\"http://x\")") -> None:
    page.fill("#p-employee-id", "S-7")
    page.fill("#p-name", name)
    page.fill("#p-department", "Library")
    page.select_option("#p-role", "sma")
    page.select_option("#f-posted-by", "public")
    page.fill("#f-content", 'Line one, with "quotes"\nline two')
    page.fill("#f-account", "+Town Library page")
    page.fill("#f-content-url", "https://example.org/post/1")
    page.fill("#f-removed-on", "2026-11-20")
    page.check("#f-restrictions-broken-restrictions-a")
    page.check("#f-restrictions-broken-restrictions-c")
    page.fill("#f-retained-copy", "-records/social/2026-11-20.png")
    page.fill("#f-signature", "@Sam Reyes")
    page.fill("#f-signed-on", "2026-11-21")


def test_csv_download_has_the_services_forms_columns_one_row_per_field_formulas_neutralised(
    page, site_url, project
):
    page.goto(f"{site_url}/forms/removed-content.html")
    fill_removed_content(page)
    with page.expect_download() as info:
        page.click("button[data-hb-download='csv']")
    download = info.value
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(header) == EXPORTS["forms"].columns  # the long format HR gets from the service
    rows = [dict(zip(header, row, strict=True)) for row in rows]
    form = next(f for f in project.forms if f.id == "removed-content")
    assert [row["field_id"] for row in rows] == [field.id for field, _ in form.fields()]
    (record_id,) = {row["record_id"] for row in rows}
    (submitted_at,) = {row["submitted_at"] for row in rows}
    assert UUID4.match(record_id) and STAMP.match(submitted_at)
    name = receipt_name("form", "admin-policy-6", "S-7", submitted_at, record_id, "csv")
    assert download.suggested_filename == name
    for row in rows:
        assert row["name"] == "'=HYPERLINK(\"http://x\")"
        person = (row["employee_id"], row["department"], row["role"], row["email"])
        assert person == ("S-7", "Library", "sma", "")
        assert (row["form_id"], row["policy_id"], row["received_at"], row["source"]) == (
            "removed-content", "admin-policy-6", "", "download"
        )
    answer = {row["field_id"]: row["answer"] for row in rows}
    assert answer["account"] == "+Town Library page"  # not a formula: left as typed
    assert answer["retained-copy"] == "'-records/social/2026-11-20.png"
    assert answer["signature"] == "@Sam Reyes"
    assert answer["content"] == 'Line one, with "quotes"\nline two'
    assert answer["restrictions-broken"] == "restrictions-a; restrictions-c"
    assert answer["posted-by"] == "public" and answer["removed-on"] == "2026-11-20"


ANSWER = st.one_of(st.text(max_size=12), st.booleans(), st.none(), st.lists(st.text(max_size=6), max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(ANSWER, min_size=1, max_size=5))
def test_every_cell_is_written_as_the_service_writes_it(page, site_url, values):
    """forms.js's cells equal handbook.records.csv.cell's for any answer a form can give."""
    if page.url == "about:blank":
        page.goto(f"{site_url}/forms/removed-content.html")
    assert page.evaluate("vs => vs.map(window.handbookForms.csvCell)", values) == [
        records_csv.cell(value) for value in values
    ]


def test_errors_are_summarised_linked_announced_and_accessible(page, site_url):
    page.goto(f"{site_url}/forms/account-registration.html")
    page.fill("#f-account-url", "not a web address")
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    summary = page.locator("[data-hb-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-hb-error-summary')")
    assert summary.locator("[role='alert']").count() == 1
    links = summary.locator("a")
    messages = links.all_inner_texts()
    assert "Enter a web address starting with https:// for “Account address (URL)”" in messages
    assert any(m.startswith("Tick the box to confirm") for m in messages)
    missing = shipped_person("missing")
    assert messages[:4] == [missing[field.id] for field in PERSON_FIELDS if field.required]  # role: several
    assert summary.locator(".hb-error-title").inner_text() == f"There are {len(messages)} problems to fix"
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert page.locator(f"[id='{target[1:]}']").count() == 1
    url_input = page.locator("#f-account-url")
    assert url_input.get_attribute("aria-invalid") == "true"
    assert "Enter a web address" in page.locator("#f-account-url-error").inner_text()
    assert "f-account-url-error" in url_input.get_attribute("aria-describedby")
    page.keyboard.press("Tab")  # from the summary to its first link
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "p-employee-id"
    settled(page)
    assert axe_violations(page) == []
    page.keyboard.type("E-9")
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    assert page.locator("#p-employee-id").get_attribute("aria-invalid") is None
    assert len(summary.locator("a").all_inner_texts()) == len(messages) - 1


def test_print_gives_a_paper_form_with_signature_lines(page, site_url):
    page.goto(f"{site_url}/forms/sma-designation.html")
    page.select_option("#f-designation", "replacement")
    assert not page.locator(".hb-print-options").first.is_visible()  # the paper's list, not the screen's
    page.emulate_media(media="print")
    assert not page.locator("#f-designation").is_visible()
    options = page.locator("#f-designation + .hb-print-options li")
    assert options.all_inner_texts() == ["Is the department's first SMA", "Adds an SMA", "Replaces an SMA"]
    assert page.locator("#f-designation + .hb-print-options li.hb-chosen").inner_text() == "Replaces an SMA"
    for hidden in ("button[type='submit']", "[data-hb-record-status]", ".md-header", ".md-sidebar--primary"):
        assert not page.locator(hidden).first.is_visible(), hidden
    signature = page.locator("#f-signature")
    assert signature.is_visible()
    style = signature.evaluate("e => ['Bottom', 'Top'].map(s => getComputedStyle(e)['border' + s + 'Style'])")
    assert style == ["solid", "none"]
    assert page.locator("legend", has_text="The employee designated").is_visible()


def settled(page) -> None:
    """Wait until CSS transitions end (moving focus scrolls, and Material fades its top button in)."""
    settle(page)


def test_every_form_page_has_no_wcag_violations(page, site_url, project):
    problems = {}
    for form in [None, *project.forms]:
        path = "forms/index.html" if form is None else f"forms/{form.id}.html"
        page.goto(f"{site_url}/{path}")
        found = axe_violations(page)
        if form is not None:
            page.click("button[type='submit']")
            settled(page)
            found += [f"(error state) {v}" for v in axe_violations(page)]
        if found:
            problems[path] = found
    assert problems == {}
    assert page.outside_requests == []


class _RecordsHandler(http.server.SimpleHTTPRequestHandler):
    """The built site plus POST /api/records, checked with the records service's own rules."""

    received: list[dict]
    project: object

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            record = validate(json.loads(body))
            check_form(self.project, record)
            check_person(self.project, record)
        except RecordError as error:
            self.answer(422, {"detail": str(error)})
            return
        self.received.append(json.loads(body))
        self.answer(201, {"status": "stored", "id": record.id, "received_at": "2026-11-23T10:00:00Z",
                          "message": "Recorded."})

    def answer(self, status: int, body: dict) -> None:
        answer_json(self, status, body)


@pytest.fixture(scope="module")
def service_url(tmp_path_factory, project):
    """A build whose handbook names an endpoint, served with that endpoint over real HTTP."""
    root = copy_project(tmp_path_factory.mktemp("with-endpoint") / "project")
    handbook = root / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(handbook.read_text(encoding="utf-8"))
    data.setdefault("records", {})["endpoint"] = "/api/records"
    handbook.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    site = build(root).site_dir
    handler = type("Handler", (_RecordsHandler,), {"received": [], "project": project})
    serve_site = functools.partial(handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), serve_site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.received
    server.shutdown()
    server.server_close()


def test_submit_posts_the_record_and_shows_the_confirmation(browser, service_url):
    """The confirmation says when, in the reader's own time zone and in words; the record's
    id is small print for HR."""
    url, received = service_url
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    page.goto(f"{url}/forms/account-request.html")
    complete_account_request_by_keyboard(page)
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    status = page.locator("[data-hb-record-status]")
    status.filter(has_text="Recorded by the records service").wait_for()
    assert len(received) == 1
    record = received[0]
    assert record["form"] == {"id": "account-request", "version": "1"}
    sentence, small_print = [" ".join(p.split()) for p in status.locator("p").all_inner_texts()]
    assert sentence == "Recorded by the records service on November 23, 2026 at 5:00 AM."  # 10:00 UTC
    assert small_print == f"Record {record['id']}"
    assert "hb-small-print" in status.locator("p").nth(1).get_attribute("class")
    assert not page.locator("[data-hb-receipt] button").is_visible()
    context.close()
