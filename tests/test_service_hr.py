"""The HR page of the service, in-process: token sign-in (never in a URL), the live report,
the downloads."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import copy_project
from tests.records_kit import TOKEN, Service, acknowledgement, project_at

ROSTER = Path(__file__).resolve().parent / "fixtures" / "roster.csv"


@pytest.fixture(scope="module")
def service(engine_site: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hr")
    root = copy_project(base / "project")
    shutil.copy(ROSTER, base / "roster.csv")
    app = Service(root, engine_site, base / "records.sqlite", roster=base / "roster.csv")
    project = project_at(root)
    for employee, name in (("E1", "Complete Person"), ("Z9", "Not On Roster")):
        assert app.post("/api/records", acknowledgement(project, employee, name))[0] == 201
    yield app
    app.close()


def request(service: Service, method: str, path: str, body: str = "", headers: dict | None = None):
    return service.request(method, path, body.encode(), headers)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def sign_in_form(service: Service) -> tuple[str, str]:
    """The sign-in page's CSRF field and the cookie it set with it, as a browser holds them."""
    status, headers, html = request(service, "GET", "/hr")
    assert status == 200
    field = re.search(r'name="csrf" value="([^"]+)"', html)
    assert field is not None
    cookie = headers["set-cookie"].split(";", 1)[0]
    assert cookie == f"handbook_csrf={field[1]}"
    return field[1], cookie


def sign_in(service: Service, token: str, headers: dict | None = None):
    """Sign in as the page does: the form's CSRF token in the body and its cookie."""
    field, cookie = sign_in_form(service)
    form = urlencode({"csrf": field, "token": token})
    return request(service, "POST", "/hr/login", form, {**FORM, "Cookie": cookie, **(headers or {})})


def test_without_signing_in_the_page_shows_only_the_sign_in_form(service):
    status, headers, html = request(service, "GET", "/hr")
    assert status == 200
    assert '<form method="post" action="/hr/login">' in html and 'type="password"' in html
    assert "Complete Person" not in html
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_wrong_token_is_refused_and_the_right_one_sets_an_httponly_cookie(service):
    status, headers, html = sign_in(service, "guess")
    assert status == 401 and "not right" in html and "handbook_hr=" not in headers.get("set-cookie", "")
    status, headers, _ = sign_in(service, TOKEN)
    assert status == 303 and headers["location"] == "/hr"
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    session = cookie.split(";", 1)[0]
    status, _, html = request(service, "GET", "/hr", headers={"Cookie": session})
    assert status == 200 and "Who needs to act" in html and "Missing Person" in html
    assert 'role="img"' in html and "Not On Roster" in html
    assert "roster.csv:8: unknown role &#39;mayor&#39;" in html
    assert TOKEN not in html
    cookie_header = {"Cookie": session}
    status, _, csv_text = request(service, "GET", "/api/export/acknowledgements.csv", headers=cookie_header)
    assert status == 200 and "Complete Person" in csv_text
    status, _, status_csv = request(service, "GET", "/hr/status.csv", headers={"Cookie": session})
    assert status == 200 and status_csv.startswith('"employee_id","name",')
    row = '"E1","Complete Person","e1@example.org","Parks","employee","acknowledge-admin-policy-6"'
    assert row in status_csv


def test_a_bearer_header_works_and_links_never_carry_the_token(service):
    status, _, html = service.get("/hr", service.auth())
    assert status == 200
    assert 'href="/api/export/forms.csv"' in html and "token=" not in html


def test_signing_out_without_a_session_clears_the_cookie(service):
    status, headers, _ = request(service, "POST", "/hr/logout")
    cleared = headers["set-cookie"]
    assert status == 303 and 'handbook_hr=""' in cleared and "Max-Age=0" in cleared


def test_a_forged_cookie_is_not_a_session(service):
    status, _, html = request(service, "GET", "/hr", headers={"Cookie": f"handbook_hr={TOKEN}"})
    assert status == 200 and "Complete Person" not in html
    status, _, _ = request(service, "GET", "/hr/status.csv", headers={"Cookie": "handbook_hr=abc"})
    assert status == 401


def test_the_status_csv_has_an_excel_variant_under_its_own_name(service):
    status, headers, plain = request(service, "GET", "/hr/status.csv", headers=service.auth())
    status_excel, excel_headers, excel = request(service, "GET", "/hr/status-excel.csv",
                                                 headers=service.auth())
    assert status == status_excel == 200
    assert excel == "\ufeff" + plain and not plain.startswith("\ufeff")
    assert 'filename="status-excel.csv"' in excel_headers["content-disposition"]
    assert 'filename="status.csv"' in headers["content-disposition"]
    assert request(service, "GET", "/hr/status-excel.csv")[0] == 401
    assert '<a href="/hr/status-excel.csv">' in request(service, "GET", "/hr", headers=service.auth())[2]


def test_a_voided_record_leaves_the_service_export_and_status_unless_include_void(service):
    from handbook.records.void import void_record

    record = acknowledgement(project_at(service.project), "E3", "Overdue Person")
    assert service.post("/api/records", record)[0] == 201
    before = request(service, "GET", "/hr/status.csv", headers=service.auth())[2]
    assert status_of(before, "E3") == "complete"
    void_record(service.store, record["id"], "filed for the wrong person", "hr-test")
    plain = request(service, "GET", "/api/export/acknowledgements.csv", headers=service.auth())[2]
    full = request(service, "GET", "/api/export/acknowledgements.csv?include_void=1",
                   headers=service.auth())[2]
    assert record["id"] not in plain
    voided = next(row for row in csv.DictReader(io.StringIO(full)) if row["record_id"] == record["id"])
    assert (voided["identity"], voided["void_reason"]) == ("self-asserted", "filed for the wrong person")
    after = request(service, "GET", "/hr/status.csv", headers=service.auth())[2]
    assert status_of(after, "E3") == "overdue"


def status_of(text: str, employee_id: str) -> str:
    """The status column of a person's row in the status CSV."""
    rows = csv.DictReader(io.StringIO(text))
    return next(row["status"] for row in rows if row["employee_id"] == employee_id)
