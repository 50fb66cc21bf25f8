"""`handbook serve`: the site over HTTP, rebuilt live; an invalid edit keeps the last good site."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

HANDBOOK = str(Path(sys.executable).parent / "handbook")
POLICY = "policy_source/policies/admin-policy-6.yaml"
PAGE = "/policies/admin-policy-6.html"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(predicate, timeout: float = 30.0):
    """Poll until ``predicate`` returns something truthy; a generous limit, not a timing test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached")


class Server:
    def __init__(self, project: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [HANDBOOK, "serve", str(project), "--port", str(self.port)],
            stdout=log.open("w"), stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")


@pytest.fixture
def server(project_copy: Path, tmp_path: Path) -> Iterator[Server]:
    running = Server(project_copy, tmp_path / "serve.log")
    try:
        wait_for(lambda: fetch(running.url + PAGE)[0] == 200, timeout=60)
        yield running
    finally:
        running.process.terminate()
        running.process.wait(timeout=20)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_serves_the_site_and_rebuilds_on_save(server, project_copy):
    status, body = fetch(server.url + PAGE)
    assert status == 200 and "Glassdoor" in body
    version = int(fetch(server.url + "/__handbook/version")[1].split('"version":')[1].split(",")[0])
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    wait_for(lambda: "Indeed" in fetch(server.url + PAGE)[1])
    assert f'"version":{version + 1}' in fetch(server.url + "/__handbook/version")[1].replace(" ", "")


def test_invalid_edit_prints_the_problem_and_keeps_the_last_good_site(server, project_copy):
    edit(project_copy / POLICY, "roles: [sma]\n        text: >-", "roles: [nobody]\n        text: >-")
    wait_for(lambda: "unknown role 'nobody'" in server.output())
    assert f"{POLICY}:" in server.output()
    assert "Traceback" not in server.output()
    status, body = fetch(server.url + PAGE)
    assert status == 200 and "Glassdoor" in body
    edit(project_copy / POLICY, "roles: [nobody]", "roles: [sma]")
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    wait_for(lambda: "Indeed" in fetch(server.url + PAGE)[1])


def test_unknown_paths_get_the_sites_404_page(server):
    status, body = fetch(server.url + "/no/such/page.html")
    assert status == 404 and "404" in body
    status, _ = fetch(server.url + "/../../etc/passwd")
    assert status == 404


@pytest.mark.browser
def test_open_page_reloads_itself_after_a_yaml_edit(server, project_copy, page):
    page.goto(server.url + PAGE)
    assert page.locator("[id='definitions.1']").is_visible()
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    page.locator("[id='definitions.1']", has_text="Indeed").wait_for(timeout=30_000)


def test_a_busy_port_is_one_clear_line_not_a_traceback(server, project_copy):
    result = subprocess.run(
        [HANDBOOK, "serve", str(project_copy), "--port", str(server.port)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{server.port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_guessable_admin_token_is_refused_at_start(project_copy):
    env = {**os.environ, "HANDBOOK_ADMIN_TOKEN": "letmein"}
    result = subprocess.run(
        [HANDBOOK, "serve", str(project_copy), "--port", str(free_port())],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 2
    assert "HANDBOOK_ADMIN_TOKEN is too short (7 characters" in result.stderr
    assert "Traceback" not in result.stderr
