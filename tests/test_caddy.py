"""The deploy recipe end to end: `handbook serve` started by the documented unit's command line,
behind Debian's Caddy with the documented Caddyfile and a locally issued certificate, over HTTPS.

The ``proxied`` fixture yields the HTTPS address, the service process and the TLS context that
trusts Caddy's local CA; tests of what the service sees through the proxy build on it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.records_kit import TOKEN, project_at, quiz_attempt, wait_for
from tests.served import CLEAN_ENV, DEPLOY, HANDBOOK, Served, adapted, exec_start, stopped_cleanly

CADDY = Path("/usr/bin/caddy")
SITE_NAME = "handbook.example.org"
UPSTREAM = "127.0.0.1:8000"
PAGE = "/policies/hazard-reporting.html"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Proxied:
    """The handbook as deployed: Caddy on ``url`` (HTTPS) in front of ``service``."""

    url: str
    http_url: str
    service: Served
    project: Path
    state: Path
    context: ssl.SSLContext

    def request(self, method: str, path: str, body: dict[str, Any] | str | None = None,
                headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None,
                source: str | None = None) -> Answer:
        """One HTTPS request through Caddy (redirects are not followed); a dict body goes as
        JSON, a str as a form. ``source`` is the local address to connect from."""
        host, port = self.url.removeprefix("https://").split(":")
        connection = http.client.HTTPSConnection(host, int(port), context=context or self.context, timeout=30,
                                                 source_address=(source, 0) if source else None)
        data, sent = None, {}
        if isinstance(body, str):
            data, sent = body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        elif body is not None:
            data, sent = json.dumps(body).encode(), {"Content-Type": "application/json"}
        try:
            connection.request(method, path, body=data, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode("utf-8"))
        finally:
            connection.close()


def caddyfile(upstream: str, https_port: int, http_port: int, storage: Path) -> str:
    """The documented Caddyfile for 127.0.0.1, with test ports and Caddy's own CA (`local_certs`)."""
    documented = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert f"{SITE_NAME} {{" in documented and f"reverse_proxy {UPSTREAM}" in documented
    site = documented.replace(f"{SITE_NAME} {{", "127.0.0.1 {").replace(UPSTREAM, upstream)
    options = (f"{{\n\tadmin off\n\tstorage file_system {storage}\n\tlocal_certs\n"
               f"\tskip_install_trust\n\thttp_port {http_port}\n\thttps_port {https_port}\n}}\n\n")
    return options + site


def wait_until_served(proxied: Proxied, caddy: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert caddy.poll() is None, log.read_text(encoding="utf-8")
        try:
            if proxied.request("GET", "/").status == 200:
                return
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"Caddy did not serve the handbook: {log.read_text(encoding='utf-8')}")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    if not CADDY.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Caddy is missing at /usr/bin/caddy; .ci/run installs it")
        pytest.skip("Caddy not installed (apt-get install caddy); CI runs these tests")
    base = tmp_path_factory.mktemp("tls")
    project, state = base / "srv", base / "state"
    state.mkdir()
    for step in (["new", str(project)], ["build", str(project)]):  # the README's publish steps
        done = subprocess.run([HANDBOOK, *step], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    command = adapted(exec_start("handbook.service"), project, state)
    service = Served(command, state, {**CLEAN_ENV, "HANDBOOK_ADMIN_TOKEN": TOKEN})
    caddy: subprocess.Popen[bytes] | None = None
    try:
        https_port, http_port = free_port(), free_port()
        config = base / "Caddyfile"
        upstream = service.url.removeprefix("http://")
        config.write_text(caddyfile(upstream, https_port, http_port, base / "caddy"), encoding="utf-8")
        home = {"HOME": str(base), "XDG_DATA_HOME": str(base / "data"),
                "XDG_CONFIG_HOME": str(base / "config")}
        log = base / "caddy.log"
        caddy = subprocess.Popen([str(CADDY), "run", "--config", str(config), "--adapter", "caddyfile"],
                                 env={**CLEAN_ENV, **home}, stdout=log.open("w"), stderr=subprocess.STDOUT)
        root_ca = base / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        deadline = time.monotonic() + 60
        while not root_ca.exists():
            assert caddy.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(root_ca))
        running = Proxied(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", service,
                          project, state, context)
        wait_until_served(running, caddy, log)
        yield running
    finally:
        if caddy is not None:
            caddy.terminate()
            caddy.wait(timeout=20)
        code = service.stop()
        assert stopped_cleanly(code) and "Traceback" not in service.output(), service.output()


def test_the_service_listens_on_loopback_only(proxied):
    assert proxied.service.url.startswith("http://127.0.0.1:")


def test_pages_come_over_https_with_a_certificate_from_the_proxy(proxied):
    answer = proxied.request("GET", PAGE)
    assert answer.status == 200 and "Hazard and Incident Reporting" in answer.body
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    with pytest.raises(ssl.SSLCertVerificationError):  # the certificate is checked, not waved through
        proxied.request("GET", PAGE, context=ssl.create_default_context())


def test_plain_http_is_redirected_to_https(proxied):
    host, port = proxied.http_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", PAGE)
        response = connection.getresponse()
    finally:
        connection.close()
    assert response.status in (301, 302, 307, 308)
    # Caddy leaves a test's https port out of the address (production is on 443); the rest holds.
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.hostname, target.path) == ("https", "127.0.0.1", PAGE)


def test_a_record_sent_from_the_page_over_https_is_stored(proxied):
    record = quiz_attempt(project_at(proxied.project), "hazard-reporting-self-check", role="employee")
    answer = proxied.request("POST", "/api/records", record, {"Origin": proxied.url})  # as the page sends it
    assert answer.status == 201, answer.body
    assert answer.json()["id"] == record["id"]
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    exported = proxied.request("GET", "/api/export/quiz-attempts.csv", headers=bearer)
    assert exported.status == 200 and record["id"] in exported.body
    assert (proxied.state / "records.sqlite").is_file()  # where the unit says records go


def test_another_origin_is_refused_through_the_proxy(proxied):
    record = quiz_attempt(project_at(proxied.project), "hazard-reporting-self-check", role="employee")
    answer = proxied.request("POST", "/api/records", record, {"Origin": "https://elsewhere.example"})
    assert answer.status == 403 and answer.json()["detail"].startswith("origin https://elsewhere.example")


def sign_in_form(proxied: Proxied, source: str | None = None) -> tuple[str, str, Answer]:
    """The HR sign-in form through the proxy: its CSRF field, the cookie set with it, the answer."""
    form = proxied.request("GET", "/hr", source=source)
    field = re.search(r'name="csrf" value="([^"]+)"', form.body)
    assert form.status == 200 and field is not None, form.body
    return field[1], form.headers["Set-Cookie"].split(";", 1)[0], form


def sign_in(proxied: Proxied, token: str, source: str | None = None) -> Answer:
    """Sign in as a browser on the HTTPS page does, Origin and Sec-Fetch-Site included."""
    field, cookie, _ = sign_in_form(proxied, source)
    browser = {"Cookie": cookie, "Origin": proxied.url, "Sec-Fetch-Site": "same-origin"}
    form = urlencode({"csrf": field, "token": token})
    return proxied.request("POST", "/hr/login", form, browser, source=source)


def test_the_hr_cookies_are_secure_httponly_and_strict_over_https(proxied):
    _, _, form = sign_in_form(proxied)
    answer = sign_in(proxied, TOKEN)
    assert answer.status == 303, answer.body
    for set_cookie in (form.headers["Set-Cookie"], answer.headers["Set-Cookie"]):
        flags = {part.strip().lower() for part in set_cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=strict"} <= flags, set_cookie
    session = answer.headers["Set-Cookie"].split(";", 1)[0]
    assert proxied.request("GET", "/hr", headers={"Cookie": session}).body.count("Sign out") == 1


def test_client_addresses_come_from_the_proxy_and_a_claimed_one_is_ignored(proxied):
    """Caddy replaces a client's X-Forwarded-For with the address it sees; the service, told
    to believe 127.0.0.1 (the unit's --forwarded-allow-ips), audits that address."""
    assert sign_in(proxied, "not-the-token", source="127.0.0.2").status == 401
    claimed = {"X-Forwarded-For": "203.0.113.5"}
    field, cookie, _ = sign_in_form(proxied, "127.0.0.3")
    answer = proxied.request("POST", "/hr/login", urlencode({"csrf": field, "token": "nope"}),
                             {**claimed, "Cookie": cookie, "Origin": proxied.url}, source="127.0.0.3")
    assert answer.status == 401
    # The service writes its audit line as it answers: on a busy machine it reaches the log a moment later.
    def last_failed() -> list[str]:
        return re.findall(r"sign-in failed client=(\S+)", proxied.service.output())[-2:]

    wait_for(lambda: last_failed() == ["127.0.0.2", "127.0.0.3"], 10)
    assert last_failed() == ["127.0.0.2", "127.0.0.3"]
