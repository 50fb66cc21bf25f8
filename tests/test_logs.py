"""The access and audit logs of a real `handbook serve`, as an IT manager reads them: each
request as method, path, status and time; sign-ins, refusals, sign-outs and exports audited
with the client's address; and never a token, cookie or query string in any line."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_project
from tests.records_kit import HANDBOOK, TOKEN, Process, acknowledgement, post, project_at
from tests.test_serve_limits import sign_in

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} handbook\.(access|audit) (.+)$")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


def started(base: Path, built_site: Path, name: str, *options: str) -> Process:
    project = copy_project(base / name)
    arguments = ["--port", "0", "--db", str(base / name / "state" / "records.sqlite"), "--site-dir",
                 str(built_site), *options]
    return Process("serve", project, *arguments, log=base / f"{name}.log").started()


@pytest.fixture(scope="module")
def session(base: Path, built_site: Path) -> Iterator[dict[str, str]]:
    """A morning at the HR page; what was sent that must never be logged, and the logs."""
    server = started(base, built_site, "plain")
    secrets = {"token": TOKEN}
    try:
        record = acknowledgement(project_at(base / "plain"), "E7", "Logged Person")
        assert post(server.url + "/api/records", record)[0] == 201
        assert sign_in(server.url, "not-the-token-at-all").status_code == 401
        with httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as browser:
            form = browser.get("/hr")
            field = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert field is not None
            secrets["sign-in csrf"] = field[1]
            signed = browser.post("/hr/login", data={"csrf": field[1], "token": TOKEN})
            assert signed.status_code == 200 and "Sign out" in signed.text  # followed to /hr
            secrets["session"] = browser.cookies["handbook_hr"]
            exported = browser.get("/api/export/acknowledgements.csv?excel=1&employee=E7")
            assert exported.status_code == 200 and "Logged Person" in exported.text
            out = re.search(r'"/hr/logout"><input type="hidden" name="csrf" value="([^"]+)"', signed.text)
            assert out is not None
            secrets["session csrf"] = out[1]
            assert browser.post("/hr/logout", data={"csrf": out[1]}).status_code == 200
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(server.url + "/api/export/forms.csv", headers=bearer, timeout=30).status_code == 200
    finally:
        server.stop()
    yield {**{f"secret {k}": v for k, v in secrets.items()}, "output": server.output(),
           "audit.log": (base / "plain" / "state" / "audit.log").read_text(encoding="utf-8")}


def lines(text: str, kind: str) -> list[str]:
    return [m[2] for m in map(LINE.match, text.splitlines()) if m and m[1] == kind]


def test_each_request_is_one_access_line_without_query_or_person(session):
    access = lines(session["output"], "access")
    for line in access:
        assert re.fullmatch(r"(GET|POST|HEAD) /\S* \d{3} \d+\.\dms", line), line
    assert any(re.fullmatch(r"POST /api/records 201 .*", line) for line in access)
    assert any(re.fullmatch(r"POST /hr/login 401 .*", line) for line in access)
    assert any(re.fullmatch(r"GET /api/export/acknowledgements\.csv 200 .*", line) for line in access)
    assert "excel" not in session["output"] and "E7" not in session["output"]
    assert "Logged Person" not in session["output"]


def test_sign_ins_refusals_sign_outs_and_exports_are_audited_with_the_client_address(session):
    """Each export names who took it: the HR page's session, or a script's bearer token."""
    expected = ["sign-in failed client=127.0.0.1 method=admin-token",
                "sign-in ok client=127.0.0.1 method=admin-token",
                "export client=127.0.0.1 file=acknowledgements.csv who=admin-token",
                "sign-out client=127.0.0.1 method=admin-token",
                "export client=127.0.0.1 file=forms.csv who=bearer-token"]
    assert lines(session["output"], "audit") == expected
    assert lines(session["audit.log"], "audit") == expected  # and in the file beside the records


def test_no_token_cookie_or_csrf_value_appears_in_any_log(session):
    secrets = [value for key, value in session.items() if key.startswith("secret ")]
    assert len(secrets) == 4
    for secret in secrets:
        assert secret not in session["output"] and secret not in session["audit.log"]


def test_quiet_keeps_the_audit_and_drops_the_access_log(base, built_site):
    server = started(base, built_site, "quiet", "-q")
    try:
        assert httpx.get(server.url + "/hr", timeout=30).status_code == 200
        assert sign_in(server.url, "wrong-again").status_code == 401
    finally:
        server.stop()
    assert lines(server.output(), "access") == []
    assert lines(server.output(), "audit") == ["sign-in failed client=127.0.0.1 method=admin-token"]


def test_an_export_on_the_server_itself_is_audited_with_the_account(base, session):
    state = base / "plain" / "state"
    done = subprocess.run([HANDBOOK, "records", "export", str(base / "plain"), "--kind", "forms", "--db",
                           str(state / "records.sqlite")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    last = lines((state / "audit.log").read_text(encoding="utf-8"), "audit")[-1]
    assert re.fullmatch(r"export client=local user=\S+ file=forms\.csv", last)
