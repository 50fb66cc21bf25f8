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
from handbook.records.intake import Rejected, check_form, check_person, validate
from tests.conftest import ROOT, axe_violations, copy_project
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
    assert re.fullmatch(r"form-admin-policy-6-E-1042-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    record = json.loads(Path(download.path()).read_text(encoding="utf-8"))
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


def test_submit_without_a_service_says_so_and_offers_the_download(page, built_site):
    """Opened from disk there is no service to post to (a relative endpoint means none)."""
    page.goto((built_site / "forms" / "account-request.html").as_uri())
    complete_account_request_by_keyboard(page)
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    status = page.locator("[data-hb-form-status]")
    status.filter(has_text="No records service is configured").wait_for()
    assert "Nothing was sent: download the form as JSON or CSV" in status.inner_text()
    assert "Marketing & Communications Specialist" in status.inner_text()
    tab_to(page, "button[data-hb-download='csv']")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    assert dict(zip(*rows, strict=True))["wait-for-permission"] == "yes"
    assert page.console_errors == []
    assert page.outside_requests == []


def test_submit_to_a_service_that_refuses_says_why_and_offers_the_download(page, site_url):
    """The plain static server answers 501 to a POST: nothing is claimed as sent."""
    page.goto(f"{site_url}/forms/account-request.html")
    complete_account_request_by_keyboard(page)
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    status = page.locator("[data-hb-form-status]")
    status.filter(has_text="Nothing was sent").wait_for()
    assert "Sent." not in status.inner_text()


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


def test_csv_download_is_one_quoted_row_with_formulas_neutralised(page, site_url):
    page.goto(f"{site_url}/forms/removed-content.html")
    fill_removed_content(page)
    with page.expect_download() as info:
        page.click("button[data-hb-download='csv']")
    download = info.value
    assert re.fullmatch(r"form-admin-policy-6-S-7-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert rows[0][:5] == ["record_id", "submitted_at", "started_at", "employee_id", "name"]
    assert row["name"] == "'=HYPERLINK(\"http://x\")"
    assert row["account"] == "'+Town Library page"
    assert row["retained-copy"] == "'-records/social/2026-11-20.png"
    assert row["signature"] == "'@Sam Reyes"
    assert row["content"] == 'Line one, with "quotes"\nline two'
    assert row["restrictions-broken"] == "restrictions-a; restrictions-c"
    assert row["posted-by"] == "public" and row["removed-on"] == "2026-11-20"
    assert row["form_id"] == "removed-content" and row["role"] == "sma" and row["email"] == ""
    assert UUID4.match(row["record_id"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(max_size=12), min_size=1, max_size=5))
def test_any_text_survives_the_csv_round_trip(page, site_url, values):
    if page.url == "about:blank":
        page.goto(f"{site_url}/forms/removed-content.html")
    line = page.evaluate("vs => vs.map(window.handbookForms.csvCell).join(',')", ["id", *values])
    (parsed,) = list(csv.reader(io.StringIO(line + "\r\n", newline="")))
    expected = ["'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else v for v in values]
    assert parsed == ["id", *expected]


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
    assert summary.locator("h2").inner_text() == f"There are {len(messages)} problems to fix"
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
    page.emulate_media(media="print")
    assert not page.locator("#f-designation").is_visible()
    options = page.locator("#f-designation + .hb-print-options li")
    assert options.all_inner_texts() == ["Is the department's first SMA", "Adds an SMA", "Replaces an SMA"]
    assert page.locator("#f-designation + .hb-print-options li.hb-chosen").inner_text() == "Replaces an SMA"
    for hidden in ("button[type='submit']", "[data-hb-form-status]", ".md-header", ".md-sidebar--primary"):
        assert not page.locator(hidden).first.is_visible(), hidden
    signature = page.locator("#f-signature")
    assert signature.is_visible()
    style = signature.evaluate("e => ['Bottom', 'Top'].map(s => getComputedStyle(e)['border' + s + 'Style'])")
    assert style == ["solid", "none"]
    assert page.locator("legend", has_text="The employee designated").is_visible()


def settled(page) -> None:
    """Wait until CSS transitions end (moving focus scrolls, and Material fades its top button in)."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


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
        except Rejected as error:
            self.answer(422, {"detail": str(error)})
            return
        self.received.append(json.loads(body))
        self.answer(201, {"status": "stored", "id": record.id, "received_at": "2026-11-23T10:00:00Z",
                          "message": "Recorded."})

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


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


def test_submit_posts_the_record_and_shows_the_confirmation(page, service_url):
    url, received = service_url
    page.goto(f"{url}/forms/account-request.html")
    complete_account_request_by_keyboard(page)
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    status = page.locator("[data-hb-form-status]")
    status.filter(has_text="Sent.").wait_for()
    assert len(received) == 1
    record = received[0]
    assert record["form"] == {"id": "account-request", "version": "1"}
    assert f"Record {record['id']}" in status.inner_text()
    assert "Recorded." in status.inner_text()
