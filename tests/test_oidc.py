"""Sign-in through a real OpenID provider (oidc-provider on 127.0.0.1, tests/oidc_kit.py):
staff records that name who signed them, HR without the token, and every bad sign-in refused
with a page that says why."""

from __future__ import annotations

import csv
import io
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from handbook.records import chain
from handbook.records.contract import EXPORTS
from tests.conftest import copy_project
from tests.oidc_kit import (
    Callback,
    account,
    at_provider,
    client,
    cookie_header,
    cookies_of,
    oidc_issuer,  # noqa: F401  (the session fixture)
    provider,
    run,
)
from tests.records_kit import Service, acknowledgement, project_at

ROSTER = Path(__file__).resolve().parent / "fixtures" / "roster.csv"
BACK = "http://127.0.0.1:8000/auth/callback"


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("signin")
    shutil.copy(ROSTER, base / "roster.csv")
    return copy_project(base / "project")


def make_service(root: Path, site: Path, db: Path, issuer: str | None, client_id: str = "handbook",
                 **changes: Any) -> Service:
    found = provider(issuer, client_id, **changes) if issuer else None
    return Service(root, site, db, roster=root.parent / "roster.csv", provider=found)


@pytest.fixture
def service(project_root: Path, built_site: Path, tmp_path: Path, oidc_issuer: str) -> Iterator[Service]:  # noqa: F811
    app = make_service(project_root, built_site, tmp_path / "records.sqlite", oidc_issuer)
    yield app
    app.close()


def start(service: Service, next_path: str = "/") -> tuple[str, dict[str, str]]:
    status, headers, _ = service.get(f"/auth/login?next={next_path}")
    assert status == 303, headers
    return headers["location"], cookies_of(headers)


def sign_in(service: Service, login: str, next_path: str = "/") -> tuple[int, Any, Any, Callback]:
    """A person signing in as a browser would: the handbook, the provider, the callback."""
    location, flow = start(service, next_path)
    back = at_provider(location, login, BACK)
    status, headers, body = service.get(back.path, headers=cookie_header(flow))
    return status, headers, body, back


def signed_in(service: Service, login: str, next_path: str = "/") -> dict[str, str]:
    status, headers, body, _ = sign_in(service, login, next_path)
    assert status == 303, body
    assert headers["location"] == next_path
    cookies = cookies_of(headers)
    assert cookies["handbook_signin"]
    set_cookie = next(line for line in headers.get_list("set-cookie") if line.startswith("handbook_signin="))
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    return {"handbook_signin": cookies["handbook_signin"]}


def me(service: Service, cookies: dict[str, str]) -> dict[str, Any]:
    status, _, body = service.get("/api/me", headers=cookie_header(cookies))
    assert status == 200
    return body


def stored_rows(db: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute("SELECT * FROM records ORDER BY seq").fetchall()


def test_authorization_request_uses_pkce_state_and_nonce(service: Service) -> None:
    location, flow = start(service)
    query = dict(part.split("=", 1) for part in location.split("?", 1)[1].split("&"))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["client_id"] == "handbook"
    assert "openid" in query["scope"]
    assert flow["handbook_signin_flow"]


def test_staff_sign_in_acknowledges_as_themselves(service: Service, project_root: Path, tmp_path: Path,
                                                   oidc_issuer: str) -> None:  # noqa: F811
    ann = account("ann")
    cookies = signed_in(service, "ann", "/acknowledge/admin-policy-6/")
    who = me(service, cookies)
    assert who["signed_in"] and who["identity"] == "oidc" and not who["hr"]
    assert who["person"] == {"employee_id": ann["employee_id"], "name": ann["name"], "email": ann["email"]}
    assert who["label"] == f"{ann['name']} ({ann['email']})"

    record = acknowledgement(project_at(project_root), employee_id="e 100", name="ann example")
    record["person"]["email"] = ann["email"]
    status, _, body = service.post("/api/records", record, headers=cookie_header(cookies))
    assert status == 201, body

    row = stored_rows(tmp_path / "records.sqlite")[-1]
    identity = (row["identity"], row["identity_issuer"], row["identity_subject"])
    assert identity == ("oidc", oidc_issuer, ann["sub"])
    assert (row["employee_id"], row["name"]) == ("E100", ann["name"])  # the sign-in's, not as typed
    with sqlite3.connect(tmp_path / "records.sqlite") as db:
        assert chain.verify(db).problems == []  # the chain covers the identity columns

    status, _, text = service.get("/api/export/acknowledgements.csv", headers=service.auth())
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header) == EXPORTS["acknowledgements"].columns
    assert header[-2:] == ["identity_issuer", "identity_subject"]
    assert (rows[-1]["identity"], rows[-1]["identity_subject"]) == ("oidc", ann["sub"])


def test_signed_in_person_cannot_file_as_someone_else(service: Service, project_root: Path,
                                                      tmp_path: Path) -> None:
    cookies = signed_in(service, "ann")
    project = project_at(project_root)
    record = acknowledgement(project, employee_id="E200", name="Bob Other")
    status, _, body = service.post("/api/records", record, headers=cookie_header(cookies))
    assert status == 403
    assert body["detail"] == ("you are signed in as Ann Example (ann@example.org): a record you send is "
                              "filed as you, not as ID number 'E200', full name 'Bob Other', "
                              "work email 'E200@example.org'")
    assert stored_rows(tmp_path / "records.sqlite") == []

    exam = next(quiz for quiz in project.quizzes if quiz.exam)
    person = {"employee_id": "E200", "name": "Bob Other", "department": "Parks", "role": "sma"}
    status, _, body = service.post(f"/api/exams/{exam.id}/attempts", {"person": person},
                                   headers=cookie_header(cookies))
    assert status == 403 and "signed in as Ann Example" in body["detail"]


def test_a_sign_in_that_makes_no_valid_person_is_refused_as_json(service: Service, project_root: Path,
                                                                  tmp_path: Path) -> None:
    cookies = signed_in(service, "odd")  # the provider says the email is "odd at example"
    record = acknowledgement(project_at(project_root), employee_id="E300", name="Odd Address")
    del record["person"]["email"]
    status, _, body = service.post("/api/records", record, headers=cookie_header(cookies))
    assert status == 422 and body["detail"].startswith("person (from your sign-in).email:"), body
    assert stored_rows(tmp_path / "records.sqlite") == []


def test_exams_require_sign_in_and_record_who_sat_them(service: Service, project_root: Path,
                                                       tmp_path: Path) -> None:
    project = project_at(project_root)
    exam = next(quiz for quiz in project.quizzes if quiz.exam)
    person = {"employee_id": "E100", "name": "Ann Example", "department": "Parks", "role": "sma"}
    status, _, body = service.post(f"/api/exams/{exam.id}/attempts", {"person": person})
    assert status == 401 and body["detail"].startswith("sign in first")

    cookies = signed_in(service, "ann")
    status, _, attempt = service.post(f"/api/exams/{exam.id}/attempts", {"person": person},
                                      headers=cookie_header(cookies))
    assert status == 201, attempt
    answers = {q["id"]: [q["options"][0]["id"]] for q in attempt["questions"]}
    status, _, graded = service.post(f"/api/exams/attempts/{attempt['attempt']}/answers",
                                     {"employee_id": "E100", "answers": answers},
                                     headers=cookie_header(cookies))
    assert status == 201, graded
    row = stored_rows(tmp_path / "records.sqlite")[-1]
    assert (row["source"], row["identity"]) == ("exam", "oidc")
    assert row["identity_subject"] == account("ann")["sub"]


def test_hr_signs_in_and_exports_and_the_audit_names_them(service: Service,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    cookies = signed_in(service, "hana", "/hr")
    assert me(service, cookies)["hr"] is True
    status, _, page = service.get("/hr", headers=cookie_header(cookies))
    assert status == 200 and "Downloads" in page and "Signed in as Hana Reyes (hana@example.org)" in page
    with caplog.at_level(logging.INFO, logger="handbook.audit"):
        status, _, text = service.get("/api/export/acknowledgements.csv", headers=cookie_header(cookies))
    assert status == 200 and text.startswith('"record_id"')
    assert any(line.startswith("export ") and "file=acknowledgements.csv" in line
               and "who=oidc:hana@example.org" in line for line in caplog.messages), caplog.messages

    staff = signed_in(service, "ann", "/hr")
    status, _, page = service.get("/hr", headers=cookie_header(staff))
    assert status == 403 and "signed in as Ann Example (ann@example.org), who is not HR" in page
    status, _, body = service.get("/api/export/acknowledgements.csv", headers=cookie_header(staff))
    assert status == 403 and "who is not HR" in body["detail"]
    status, _, _ = service.get("/api/export/acknowledgements.csv", headers=service.auth())
    assert status == 200  # the bearer token still works for scripts


def test_sign_out_ends_the_local_session(service: Service) -> None:
    cookies = signed_in(service, "ann")
    token = me(service, cookies)["csrf"]
    status, headers, _ = service.request("POST", "/auth/logout", f"csrf={token}&next=/quizzes/",
                                         {**cookie_header(cookies),
                                          "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303 and headers["location"] == "/quizzes/"
    assert cookies_of(headers)["handbook_signin"] == ""
    assert me(service, cookies)["signed_in"] is False  # the old cookie is refused by the server


def test_sign_out_without_the_pages_token_is_refused(service: Service) -> None:
    cookies = signed_in(service, "ann")
    status, _, page = service.request("POST", "/auth/logout", "csrf=forged",
                                      {**cookie_header(cookies),
                                       "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and "Sign-out refused" in page
    assert me(service, cookies)["signed_in"] is True


def refused(status: int, headers: Any, page: str, expected: str) -> None:
    assert status in (400, 401), page
    assert headers["content-type"].startswith("text/html")
    assert "<h1>Sign-in did not work</h1>" in page and expected in page
    assert "handbook_signin" not in cookies_of(headers) or cookies_of(headers).get("handbook_signin") == ""


def test_replayed_state_is_refused(service: Service) -> None:
    location, flow = start(service)
    back = at_provider(location, "ann", BACK)
    status, headers, _ = service.get(back.path, headers=cookie_header(flow))
    assert status == 303
    status, headers, page = service.get(back.path, headers=cookie_header(flow))
    refused(status, headers, page, "This sign-in link was already used")


def test_callback_in_another_browser_is_refused(service: Service) -> None:
    location, _ = start(service)
    back = at_provider(location, "ann", BACK)
    stranger = cookie_header({"handbook_signin_flow": "someone-else"})
    status, headers, page = service.get(back.path, headers=stranger)
    refused(status, headers, page, "started in another browser")


@pytest.mark.parametrize(("client_id", "changes", "expected"), [
    ("handbook-tampered", {}, "signature did not verify: it was changed on its way"),
    ("handbook-short", {"clock_skew_seconds": 0}, "had expired when it arrived"),
    ("handbook-audience", {}, "was issued for another application, not this handbook"),
], ids=["tampered", "expired", "wrong-audience"])
def test_bad_id_tokens_are_refused_with_a_clear_page(project_root: Path, built_site: Path, tmp_path: Path,
                                                     oidc_issuer: str, client_id: str,  # noqa: F811
                                                     changes: dict[str, Any], expected: str) -> None:
    if client_id == "handbook-audience":  # the token the provider hands over: one it issued to other-app
        other = provider(oidc_issuer, "other-app")
        flow = run(other.authorization())
        back = at_provider(flow.url, "ann", client("other-app")["redirect_uri"])
        code = dict(p.split("=", 1) for p in back.url.split("?", 1)[1].split("&"))["code"]
        assert run(other.signed_in(code, flow)).subject == account("ann")["sub"]
    db = tmp_path / "records.sqlite"
    app = make_service(project_root, built_site, db, oidc_issuer, client_id, **changes)
    try:
        location, flow_cookie = start(app)
        back = at_provider(location, "ann", BACK)
        status, headers, page = app.get(back.path, headers=cookie_header(flow_cookie))
        refused(status, headers, page, expected)
        assert me(app, cookies_of(headers))["signed_in"] is False
    finally:
        app.close()


def test_without_sign_in_records_are_self_asserted(project_root: Path, built_site: Path,
                                                   tmp_path: Path) -> None:
    app = make_service(project_root, built_site, tmp_path / "records.sqlite", None)
    try:
        assert me(app, {}) == {"sign_in": False, "signed_in": False}
        status, _, page = app.get("/auth/login?next=/")
        assert status == 404 and "Sign-in is not set up" in page
        status, _, body = app.post("/api/records", acknowledgement(project_at(project_root)))
        assert status == 201, body
        row = stored_rows(tmp_path / "records.sqlite")[-1]
        identity = (row["identity"], row["identity_issuer"], row["identity_subject"])
        assert identity == ("self-asserted", None, None)
    finally:
        app.close()


def test_signed_out_records_stay_self_asserted_when_sign_in_is_on(service: Service, project_root: Path,
                                                                   tmp_path: Path) -> None:
    assert me(service, {}) == {"sign_in": True, "signed_in": False, "login": "/auth/login",
                               "logout": "/auth/logout", "exams_require_sign_in": True}
    record = acknowledgement(project_at(project_root), employee_id="E300")
    status, _, body = service.post("/api/records", record)
    assert status == 201, body
    assert stored_rows(tmp_path / "records.sqlite")[-1]["identity"] == "self-asserted"


@pytest.mark.parametrize(("asked", "goes_to"), [
    ("/hr", "/hr"), ("/quizzes/x.html?a=1", "/quizzes/x.html?a=1"), ("//evil.example/x", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("evil", "/"), ("", "/")])
def test_after_sign_in_the_browser_goes_only_to_a_page_of_this_site(service: Service, asked: str,
                                                                     goes_to: str) -> None:
    status, headers, body, _ = sign_in(service, "ann", quote(asked, safe=""))
    assert status == 303, body
    assert headers["location"] == goes_to
