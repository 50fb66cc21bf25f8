"""A real Learning Record Store on 127.0.0.1 for the xAPI tests: Ralph (``ralph-malph`` from
PyPI) with its file-system backend, in a virtual environment of its own (its pins of Starlette
and uvicorn are older than ours), made once by ``lrs_venv`` and reused while its stamp stands.

Ralph's statements API writes through its file-system backend without saying how, and that
backend's default (create) refuses every write after the first ("fs_lrs.jsonl already exists");
the launcher sets the backend's own append mode, so the LRS keeps every statement it accepts."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.installs import one_process_at_a_time

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-lrs"
RALPH = ("ralph-malph[lrs]==5.1.0", "requests>=2.31,<3")
"""Ralph 5.1.0 imports requests (for its OpenID Connect sign-in) without declaring it."""
STAMP = VENV / ".installed-ralph-5.1.0"


@one_process_at_a_time(ROOT / ".venv-lrs.lock")
def lrs_venv() -> Path:
    """The LRS's own Python (pip installs Ralph into .venv-lrs the first time)."""
    python = VENV / "bin" / "python"
    if STAMP.is_file() and python.is_file():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True,
                       timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *RALPH], check=True,
                       capture_output=True, text=True, timeout=900)
    except subprocess.CalledProcessError as error:
        message = f"cannot install {RALPH} into {VENV}: {error.stderr}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    STAMP.touch()
    return python


@dataclass
class Lrs:
    """A running LRS: its xAPI base URL and the one user it knows."""

    url: str
    user: str
    password: str

    def statements(self) -> list[dict[str, Any]]:
        """Every statement stored, newest first (one page is plenty for a test)."""
        token = b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(f"{self.url}statements?limit=500", headers={
            "Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(request, timeout=10) as response:
            found: list[dict[str, Any]] = json.load(response)["statements"]
        return found


LAUNCHER = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_lrs(python: Path, folder: Path, user: str = "handbook",
                password: str = "lrs-test-secret") -> Iterator[Lrs]:
    """Ralph on a free port of 127.0.0.1, storing in ``folder``; stopped afterwards."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    script = "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())"
    hashed = subprocess.run([str(python), "-c", script, password], check=True, capture_output=True,
                            text=True).stdout.strip()
    (folder / "auth.json").write_text(json.dumps([{
        "agent": {"mbox": "mailto:lrs-test@example.org", "objectType": "Agent"}, "scopes": ["all"],
        "hash": hashed, "username": user}]), encoding="utf-8")
    port = _free_port()
    environment = {**os.environ, "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(folder),
                   "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data")}
    log = (folder / "ralph.log").open("w")
    process = subprocess.Popen([str(python), "-c", LAUNCHER, str(port)], cwd=folder, env=environment,
                               stdout=log, stderr=log)
    lrs = Lrs(f"http://127.0.0.1:{port}/xAPI/", user, password)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                lrs.statements()
                break
            except OSError:
                assert process.poll() is None, (folder / "ralph.log").read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "the LRS did not start in 60 s"
                time.sleep(0.2)
        yield lrs
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
