"""`handbook serve` as deployed: a process started from a command line (the documented one,
adapted to a temp folder), whose address is read from what it prints."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import ROOT
from tests.records_kit import START_TIMEOUT

DEPLOY = ROOT / "deploy"
URL = re.compile(r"http://[\d.]+:\d+")
CLEAN_ENV = {key: value for key, value in os.environ.items()
             if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HANDBOOK_ADMIN_TOKEN"}}
"""The environment of a user's shell: nothing that points Python at the checkout, no token."""
INSTALLED = "/opt/handbook/bin/handbook"
SOURCES = "/srv/handbook"
STATE = "/var/lib/handbook"
"""The paths the deploy recipe uses, which tests swap for their own."""
HANDBOOK = str(Path(sys.executable).parent / "handbook")
"""The checkout venv's command, standing in for the recipe's /opt/handbook/bin/handbook."""


def exec_start(unit: str) -> list[str]:
    """The ExecStart command of a unit in deploy/, its continuation lines joined."""
    text = (DEPLOY / unit).read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def adapted(command: list[str], sources: Path, state: Path, handbook: str | None = None) -> list[str]:
    """A documented command with its paths moved to a test's folders and any port made free."""
    places = {INSTALLED: handbook or HANDBOOK,
              SOURCES: str(sources), STATE: str(state)}
    result = []
    for word in command:
        for documented, actual in places.items():
            if word == documented or word.startswith(documented + "/"):
                word = actual + word.removeprefix(documented)
        result.append("0" if result and result[-1] == "--port" else word)
    return result


class Served:
    """A running `handbook serve`; ``url`` is the address it printed once it was ready."""

    def __init__(self, command: list[str | Path], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([str(part) for part in command], cwd=cwd, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._started = threading.Event()
        threading.Thread(target=self._read, args=(self.process.stdout, self.stdout), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr), daemon=True).start()
        if not self._started.wait(START_TIMEOUT):
            self.stop()
            raise AssertionError(f"serve did not start: {self.output()}")
        self.url = URL.findall("".join(self.stdout))[0]

    def _read(self, pipe, lines: list[str]) -> None:
        """Keep a pipe drained; note when the address is printed (after any first build)."""
        for line in pipe:
            lines.append(line)
            if URL.search(line):
                self._started.set()

    def output(self) -> str:
        return "".join(self.stdout + self.stderr)

    def stop(self) -> int:
        """Stop it as systemd does (SIGTERM); its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def stopped_cleanly(code: int) -> bool:
    """uvicorn shuts down, then re-raises the SIGTERM: systemd counts either as a clean stop."""
    return code in (0, -signal.SIGTERM)
