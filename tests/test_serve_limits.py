"""`handbook serve` as a real process on 127.0.0.1: whose forwarded headers it believes (only
the configured proxies'), and how long a slow client may take to send a request."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_project
from tests.records_kit import HANDBOOK, Process

READ_TIMEOUT = 2.0
CLIENT = "127.0.0.1"
SPOOFED = "203.0.113.7"


def serving(base: Path, built_site: Path, *options: str) -> Process:
    project = copy_project(base / "project")
    arguments = ["--port", "0", "--db", str(base / "records.sqlite"), "--site-dir", str(built_site),
                 "--read-timeout", str(READ_TIMEOUT), *options]
    return Process("serve", project, *arguments, log=base / "serve.log").started()


@pytest.fixture(scope="module")
def direct(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """Serve with no proxy configured: as installed, before anyone reads the deploy recipe."""
    server = serving(tmp_path_factory.mktemp("direct"), built_site)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def behind_proxy(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    server = serving(tmp_path_factory.mktemp("proxied"), built_site, "--forwarded-allow-ips", CLIENT)
    yield server
    server.stop()


def sign_in(url: str, token: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """Sign in on the HR page as a browser does: fetch the form, post it with its CSRF token."""
    with httpx.Client(base_url=url, timeout=30, headers=headers) as browser:
        form = browser.get("/hr")
        field = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert form.status_code == 200 and field is not None
        return browser.post("/hr/login", data={"csrf": field[1], "token": token})


def audit_clients(server: Process) -> list[str]:
    return re.findall(r"handbook\.audit sign-in failed client=(\S+)", server.output())


def test_a_spoofed_forwarded_for_changes_nothing_without_a_configured_proxy(direct):
    answers = [sign_in(direct.url, "wrong", {"X-Forwarded-For": f"198.51.100.{n}"}).status_code
               for n in range(11)]
    assert answers == [401] * 10 + [429]  # every attempt counted against the real address
    clients = audit_clients(direct)
    assert clients and set(clients) == {CLIENT}


def test_behind_a_configured_proxy_the_client_address_comes_from_its_header(behind_proxy):
    claimed = {"X-Forwarded-For": SPOOFED}
    spoofed = [sign_in(behind_proxy.url, "wrong", claimed).status_code for _ in range(11)]
    assert spoofed == [401] * 10 + [429]
    assert sign_in(behind_proxy.url, "wrong", {"X-Forwarded-For": "203.0.113.8"}).status_code == 401
    assert set(audit_clients(behind_proxy)) == {SPOOFED, "203.0.113.8"}


def cut_off_after(server: Process, first: bytes, trickle: bytes = b"") -> float:
    """Send ``first``, then one byte of ``trickle`` every 0.3 s; seconds until the server hangs up."""
    host, port = server.url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=READ_TIMEOUT * 10) as connection:
        connection.sendall(first)
        for byte in trickle:
            try:
                connection.sendall(bytes([byte]))
            except OSError:  # reset: it hung up
                return time.monotonic() - started
            connection.settimeout(0.3)
            try:
                if connection.recv(65536) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                continue
            except OSError:
                return time.monotonic() - started
        connection.settimeout(READ_TIMEOUT * 10)
        while connection.recv(65536):
            pass
    return time.monotonic() - started


@pytest.mark.parametrize("first, trickle", [
    (b"GET /hr HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: " + b"a" * 200),
    (b"POST /api/records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Content-Length: 400\r\n\r\n{", b" " * 200),
], ids=["headers", "body"])
def test_a_client_that_sends_half_a_request_is_cut_off_within_the_read_timeout(direct, first, trickle):
    waited = cut_off_after(direct, first, trickle)
    assert READ_TIMEOUT - 0.5 <= waited <= READ_TIMEOUT + 3
    assert httpx.get(direct.url + "/", timeout=30).status_code == 200  # everyone else is served


def test_session_lifetimes_are_settings_with_the_documented_defaults(tmp_path):
    shown = subprocess.run([HANDBOOK, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert re.search(r"--hr-idle-minutes\s[^[]*\[default: 30;", shown.stdout)
    assert re.search(r"--hr-session-hours\s[^[]*\[default: 8\.0;", shown.stdout)
    refused = subprocess.run([HANDBOOK, "serve", str(tmp_path), "--hr-idle-minutes", "0"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--hr-idle-minutes" in refused.stderr
    assert "Traceback" not in refused.stderr
