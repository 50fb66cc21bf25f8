"""A real OpenID provider for the sign-in tests, and a person signing in at it.

The provider is panva's ``oidc-provider`` from npm (tests/oidc/package.json, locked), run by
Node on 127.0.0.1 with the people and clients of tests/oidc/accounts.json; ``npm ci`` installs
it on first use. Under CI=true a missing Node fails the tests instead of skipping them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
import yaml

from handbook.models.handbook import SignInSettings
from handbook.service.oidc import Provider, discover
from tests.installs import one_process_at_a_time
from tests.records_kit import wait_for

FOLDER = Path(__file__).resolve().parent / "oidc"
ACCOUNTS = json.loads((FOLDER / "accounts.json").read_text(encoding="utf-8"))
SECRET_VARIABLE = "HANDBOOK_OIDC_SECRET"
T = TypeVar("T")
HR_GROUP = "town-hr"


def account(login: str) -> dict[str, Any]:
    return next(found for found in ACCOUNTS["accounts"] if found["login"] == login)


def client(client_id: str) -> dict[str, Any]:
    return next(found for found in ACCOUNTS["clients"] if found["client_id"] == client_id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def node_or_fail() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node
    if os.environ.get("CI") == "true":
        pytest.fail("Node.js and npm are missing; .ci/run installs them (the sign-in tests need them)")
    pytest.skip("Node.js/npm not installed (apt-get install nodejs npm); CI runs the sign-in tests")


@one_process_at_a_time(FOLDER / ".install.lock")
def installed() -> None:
    """``npm ci`` from the lock file, once (again when the lock file is newer than the install)."""
    marker = FOLDER / "node_modules" / ".package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= (FOLDER / "package-lock.json").stat().st_mtime:
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FOLDER, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"npm ci failed in {FOLDER}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def oidc_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider's issuer URL; the provider runs for the whole test session."""
    node = node_or_fail()
    installed()
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("w") as output:
        process = subprocess.Popen([node, str(FOLDER / "provider.mjs"), str(port)], cwd=FOLDER, stdout=output,
                                   stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is not None or
                 httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=5).status_code == 200)
        assert process.poll() is None, log.read_text()
        yield issuer
    finally:
        process.terminate()
        process.wait(30)


def settings(issuer: str, client_id: str = "handbook", redirect_url: str | None = None,
             **changes: Any) -> SignInSettings:
    """The handbook's ``sign_in:`` block for one client of the test provider."""
    data: dict[str, Any] = {
        "issuer": issuer, "client_id": client_id, "client_secret_env": SECRET_VARIABLE,
        "redirect_url": redirect_url or client(client_id)["redirect_uri"],
        "claims": {"employee_id": "employee_id", "name": "name", "email": "email"},
        "hr": {"group_claim": "groups", "groups": [HR_GROUP]}, **changes}
    return SignInSettings.model_validate(data)


def configure(project: Path, settings: SignInSettings) -> None:
    """Write ``settings`` as the ``sign_in:`` block of a project copy's handbook file."""
    path = project / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sign_in"] = settings.model_dump()
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """A coroutine's result, on an event loop of its own (Playwright's may run in this thread)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def provider(issuer: str, client_id: str = "handbook", redirect_url: str | None = None,
             **changes: Any) -> Provider:
    """The provider as ``handbook serve`` discovers it at start, for one client."""
    found = discover(settings(issuer, client_id, redirect_url, **changes),
                     {SECRET_VARIABLE: client(client_id)["client_secret"]})
    assert found is not None
    return found


@dataclass
class Callback:
    """Where the provider sent the browser back: the handbook's callback path with its query."""

    url: str

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.path}?{parts.query}"


def at_provider(authorization_url: str, login: str, back_to: str) -> Callback:
    """A person at the provider: follows its redirects, signs in on its login form as ``login``
    and returns where it sends the browser back (a URL starting with ``back_to``)."""
    with httpx.Client(timeout=30) as browser:
        url = authorization_url
        for _ in range(12):
            if url.startswith(back_to):
                return Callback(url)
            answer = browser.get(url)
            if answer.status_code == 200 and 'name="login"' in answer.text:
                action = answer.text.split('action="', 1)[1].split('"', 1)[0]
                answer = browser.post(urljoin(url, action), data={"login": login})
            assert answer.is_redirect, f"{answer.status_code} from {url}: {answer.text[:500]}"
            url = urljoin(url, answer.headers["location"])
    raise AssertionError(f"the provider never sent the browser back to {back_to}")


def cookies_of(headers: httpx.Headers) -> dict[str, str]:
    """The cookies an answer sets (name -> value; a deleted cookie has the value "")."""
    found = {}
    for line in headers.get_list("set-cookie"):
        name, _, rest = line.partition("=")
        found[name] = rest.split(";", 1)[0].strip('"')
    return found


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items() if value)}
