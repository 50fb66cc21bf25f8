"""The HR page of the service, in-process: token sign-in (never in a URL), the live report,
the downloads."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import copy_project
from tests.records_kit import TOKEN, Service, acknowledgement, project_at

ROSTER = Path(__file__).resolve().parent / "fixtures" / "roster.csv"


@pytest.fixture(scope="module")
def service(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hr")
    root = copy_project(base / "project")
    shutil.copy(ROSTER, base / "roster.csv")
    app = Service(root, built_site, base / "records.sqlite", roster=base / "roster.csv")
    project = project_at(root)
    for employee, name in (("E1", "Complete Person"), ("Z9", "Not On Roster")):
        assert app.post("/api/records", acknowledgement(project, employee, name))[0] == 201
    yield app
    app.close()


def request(service: Service, method: str, path: str, body: str = "", headers: dict | None = None):
    return service.request(method, path, body.encode(), headers)


def sign_in(service: Service, token: str):
    form = urlencode({"token": token})
    return request(service, "POST", "/hr/login", form, {"Content-Type": "application/x-www-form-urlencoded"})


def test_without_signing_in_the_page_shows_only_the_sign_in_form(service):
    status, headers, html = request(service, "GET", "/hr")
    assert status == 200
    assert '<form method="post" action="/hr/login">' in html and 'type="password"' in html
    assert "Complete Person" not in html
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_wrong_token_is_refused_and_the_right_one_sets_an_httponly_cookie(service):
    status, headers, html = sign_in(service, "guess")
    assert status == 401 and "not right" in html and headers.get("set-cookie") is None
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


def test_signing_out_clears_the_cookie(service):
    status, headers, _ = request(service, "POST", "/hr/logout")
    cleared = headers["set-cookie"]
    assert status == 303 and 'handbook_hr=""' in cleared and "Max-Age=0" in cleared


def test_a_forged_cookie_is_not_a_session(service):
    status, _, html = request(service, "GET", "/hr", headers={"Cookie": f"handbook_hr={TOKEN}"})
    assert status == 200 and "Complete Person" not in html
    status, _, _ = request(service, "GET", "/hr/status.csv", headers={"Cookie": "handbook_hr=abc"})
    assert status == 401
