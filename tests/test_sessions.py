"""HR sessions as a security reviewer checks them, in-process with a clock the test moves:
idle and absolute expiry, sign-out that revokes, a replayed old cookie, a restart that keeps
sessions, CSRF refusals and sign-in throttling; sessions kept in SQLite and in PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from handbook.service.sessions import SessionPolicy
from tests.conftest import copy_project
from tests.records_kit import TOKEN, Service
from tests.test_service_hr import FORM, request, sign_in, sign_in_form

MINUTE = 60.0


class Clock:
    """Seconds since the epoch, moved on by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * MINUTE


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def project(built_site: Path, tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def start(project: Path, built_site: Path, db: Path | str, clock: Clock) -> Service:
    policy = SessionPolicy(idle=30 * MINUTE, absolute=8 * 60 * MINUTE)
    return Service(project, built_site, db, sessions=policy, clock=clock)


@pytest.fixture
def service(project: Path, built_site: Path, tmp_path: Path, clock: Clock, new_db) -> Iterator[Service]:
    app = start(project, built_site, new_db(tmp_path), clock)
    yield app
    app.close()


def session_cookie(service: Service) -> str:
    status, headers, _ = sign_in(service, TOKEN)
    assert status == 303, headers
    cookie = headers["set-cookie"].split(";", 1)[0]
    assert cookie.startswith("handbook_hr=")
    return cookie


def signed_in(service: Service, cookie: str) -> bool:
    """Whether the HR page shows the report (not the sign-in form) to this cookie; the export
    must agree."""
    status, _, html = request(service, "GET", "/hr", headers={"Cookie": cookie})
    assert status == 200
    report = "Sign out" in html
    exported, _, _ = request(service, "GET", "/api/export/acknowledgements.csv", headers={"Cookie": cookie})
    assert exported == (200 if report else 401)
    return report


def sign_out_field(service: Service, cookie: str) -> str:
    _, _, html = request(service, "GET", "/hr", headers={"Cookie": cookie})
    found = re.search(r'action="/hr/logout"><input type="hidden" name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found[1]


def sign_out(service: Service, cookie: str, field: str, headers: dict | None = None):
    body = urlencode({"csrf": field})
    return request(service, "POST", "/hr/logout", body, {**FORM, "Cookie": cookie, **(headers or {})})


def test_every_sign_in_gets_a_new_random_cookie_that_the_store_keeps_only_hashed(service):
    first, second = session_cookie(service), session_cookie(service)
    assert first != second and TOKEN not in first
    assert signed_in(service, first) and signed_in(service, second)
    with service.store.database.connection() as db:
        kept = " ".join(str(value) for row in db.execute("SELECT * FROM hr_sessions") for value in row)
    assert len(kept.split()) >= 2 * 5
    for cookie in (first, second):
        assert cookie.split("=", 1)[1] not in kept


def test_a_session_ends_after_30_idle_minutes_and_each_request_restarts_the_wait(service, clock):
    cookie = session_cookie(service)
    for _ in range(3):
        clock.advance(29)
        assert signed_in(service, cookie)
    clock.advance(30)
    assert not signed_in(service, cookie)
    clock.advance(-30)  # the server forgot it: turning the clock back does not bring it back
    assert not signed_in(service, cookie)


def test_a_session_ends_8_hours_after_sign_in_however_busy(service, clock):
    cookie = session_cookie(service)
    for _ in range(8 * 3 - 1):
        clock.advance(20)
        assert signed_in(service, cookie)
    clock.advance(20)
    assert not signed_in(service, cookie)


def test_sign_out_revokes_the_session_and_the_old_cookie_is_refused(service):
    cookie, other = session_cookie(service), session_cookie(service)
    status, headers, _ = sign_out(service, cookie, sign_out_field(service, cookie))
    assert status == 303 and 'handbook_hr=""' in headers["set-cookie"]
    assert not signed_in(service, cookie)  # the replayed cookie of a signed-out session
    assert signed_in(service, other)  # another sign-in is its own session


def test_a_restart_keeps_sessions_in_the_records_file(project, built_site, tmp_path, clock, new_db):
    db = new_db(tmp_path)
    first = start(project, built_site, db, clock)
    cookie = session_cookie(first)
    first.close()
    again = start(project, built_site, db, clock)
    try:
        assert signed_in(again, cookie)
    finally:
        again.close()


def test_sign_out_without_the_session_token_or_from_another_site_is_refused(service):
    cookie = session_cookie(service)
    field = sign_out_field(service, cookie)
    for wrong, headers in (("", {}), ("x" * 43, {}), (field, {"Origin": "https://evil.example"}),
                           (field, {"Sec-Fetch-Site": "cross-site"})):
        status, _, html = sign_out(service, cookie, wrong, headers)
        assert status == 403 and "Sign-out refused" in html
        assert signed_in(service, cookie)
    ours = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert sign_out(service, cookie, field, ours)[0] == 303
    assert not signed_in(service, cookie)


def test_sign_in_without_its_form_token_or_from_another_site_is_refused(service):
    field, cookie = sign_in_form(service)
    _, other_cookie = sign_in_form(service)
    attempts = [
        ({"token": TOKEN}, {"Cookie": cookie}),  # no field
        ({"token": TOKEN, "csrf": field}, {}),  # no cookie
        ({"token": TOKEN, "csrf": field}, {"Cookie": other_cookie}),  # another browser's cookie
        ({"token": TOKEN, "csrf": field}, {"Cookie": cookie, "Origin": "https://evil.example"}),
        ({"token": TOKEN, "csrf": field}, {"Cookie": cookie, "Sec-Fetch-Site": "same-site"}),
    ]
    for form, headers in attempts:
        status, answer_headers, html = request(service, "POST", "/hr/login", urlencode(form),
                                               {**FORM, **headers})
        assert status == 403 and ("refused" in html or "expired" in html), html
        assert "handbook_hr=" not in answer_headers.get("set-cookie", "")
    same_site = {"Cookie": cookie, "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    status, _, _ = request(service, "POST", "/hr/login", urlencode({"token": TOKEN, "csrf": field}),
                           {**FORM, **same_site})
    assert status == 303


def test_sign_in_is_throttled_per_address_with_a_clear_message_and_retry_after(service, clock):
    answers = [sign_in(service, f"guess-{n}")[0] for n in range(10)]
    assert answers == [401] * 10
    status, headers, html = sign_in(service, TOKEN)  # even the right token waits
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert "Too many sign-in attempts from this address; try again in" in html
    clock.advance(int(headers["retry-after"]) / 60)
    assert sign_in(service, TOKEN)[0] == 303


def test_the_bearer_token_still_works_for_scripts_whatever_the_sessions(service):
    status, _, text = request(service, "GET", "/api/export/acknowledgements.csv", headers=service.auth())
    assert status == 200 and "employee_id" in text.splitlines()[0]


def test_a_records_file_that_cannot_keep_sessions_refuses_sign_in_clearly(project, built_site, tmp_path,
                                                                          clock):
    db = tmp_path / "records.sqlite"
    with sqlite3.connect(db) as prepared:  # the name is taken by something that cannot store rows
        prepared.execute("CREATE VIEW hr_sessions AS SELECT 1 AS key")
    app = start(project, built_site, db, clock)
    try:
        status, headers, html = sign_in(app, TOKEN)
        assert status == 503 and "Sign-in is unavailable" in html and "cannot keep HR sessions" in html
        assert "handbook_hr=" not in headers.get("set-cookie", "")
        assert request(app, "GET", "/api/export/forms.csv", headers=app.auth())[0] == 200
    finally:
        app.close()
