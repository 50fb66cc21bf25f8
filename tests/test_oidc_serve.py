"""``handbook check`` and ``handbook serve`` with the handbook's ``sign_in:`` block: every
problem one located line; at start, the provider discovered, or one line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from tests.oidc_kit import SECRET_VARIABLE, client, oidc_issuer  # noqa: F401 (the session fixture)
from tests.records_kit import HANDBOOK, Process, get, wait_for


def with_sign_in(project: Path, **block: object) -> Path:
    path = project / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sign_in"] = block
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_check_names_each_problem_of_the_sign_in_block(project_copy: Path) -> None:
    with_sign_in(project_copy, issuer="http://login.example.org/tenant", client_id="handbook",
                 client_secret_env="the secret", redirect_url="https://handbook.example.org/callback",
                 claims={"employee_id": "employeeid", "nmae": "name"})
    done = subprocess.run([HANDBOOK, "check", str(project_copy)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if "handbook.yaml" in line]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "sign_in.issuer: 'http://login.example.org/tenant' must be an https:// address (http:// only for "
        "127.0.0.1 or localhost)",
        "sign_in.client_secret_env: 'the secret' is not an environment variable name (letters, digits "
        "and _), e.g. HANDBOOK_SECRET",
        "sign_in.redirect_url: the redirect URL is this service's address followed by /auth/callback, "
        "e.g. https://handbook.example.org/auth/callback",
        "unknown field 'nmae'",
    ]
    assert all(line.startswith("policy_source/handbook.yaml:") for line in lines)


def test_a_good_block_checks_clean(project_copy: Path) -> None:
    with_sign_in(project_copy, issuer="https://login.microsoftonline.com/0000-tenant/v2.0", client_id="abc",
                 redirect_url="https://handbook.example.org/auth/callback", hr={"groups": ["hr-group-id"]})
    done = subprocess.run([HANDBOOK, "check", str(project_copy)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def serve(project: Path, site: Path, log: Path) -> Process:
    return Process("serve", project, "--port", "0", "--db", str(log.parent / "records.sqlite"),
                   "--site-dir", str(site), log=log)


def test_serve_discovers_the_provider_and_offers_sign_in(project_copy: Path, built_site: Path, tmp_path: Path,
                                                         oidc_issuer: str,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with_sign_in(project_copy, issuer=oidc_issuer, client_id="handbook",
                 redirect_url=client("handbook")["redirect_uri"], claims={"employee_id": "employee_id"})
    monkeypatch.setenv(SECRET_VARIABLE, client("handbook")["client_secret"])
    server = serve(project_copy, built_site, tmp_path / "serve.log").started()
    try:
        assert f"Sign-in through {oidc_issuer} (client handbook)" in server.output()
        status, _, me = get(f"{server.url}/api/me")
        assert status == 200 and me["sign_in"] is True and me["signed_in"] is False
        answer = httpx.get(f"{server.url}/auth/login?next=/hr", timeout=30)
        assert answer.status_code == 303 and answer.headers["location"].startswith(f"{oidc_issuer}/auth?")
    finally:
        assert server.stop() == 0
    assert client("handbook")["client_secret"] not in server.output()


@pytest.mark.parametrize(("secret", "issuer", "expected"), [
    ("", None, f"sign-in: set the client secret in {SECRET_VARIABLE} where the service runs"),
    ("s3cret", "http://127.0.0.1:9", "sign-in: cannot reach http://127.0.0.1:9/.well-known/openid-configuration"),
], ids=["no-secret", "unreachable"])
def test_serve_stops_with_one_line_when_sign_in_cannot_work(project_copy: Path, built_site: Path,
                                                            tmp_path: Path, oidc_issuer: str,  # noqa: F811
                                                            monkeypatch: pytest.MonkeyPatch, secret: str,
                                                            issuer: str | None, expected: str) -> None:
    with_sign_in(project_copy, issuer=issuer or oidc_issuer, client_id="handbook",
                 redirect_url=client("handbook")["redirect_uri"])
    monkeypatch.setenv(SECRET_VARIABLE, secret)
    server = serve(project_copy, built_site, tmp_path / "serve.log")
    assert wait_for(lambda: server.process.poll() is not None, 120)
    assert server.stop() == 2
    problems = [line for line in server.output().splitlines() if line.startswith("sign-in:")]
    assert len(problems) == 1 and problems[0].startswith(expected), server.output()
    assert "Traceback" not in server.output()
