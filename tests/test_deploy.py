"""The deploy recipe's systemd units: valid for systemd, and their commands do what they say."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from handbook.records.store import Store
from tests.served import DEPLOY, HANDBOOK, INSTALLED, adapted, exec_start

UNITS = ("handbook.service", "handbook-backup.service", "handbook-backup.timer")


def settings(unit: str) -> dict[str, list[str]]:
    """Every Key=value of a unit file (continuation lines joined), values in order."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / unit).read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_finds_nothing_wrong_with_the_units(tmp_path):
    for unit in UNITS:  # the same units, with the venv's handbook where /opt/handbook will be
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        (tmp_path / unit).write_text(text.replace(INSTALLED, HANDBOOK), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_service_runs_unprivileged_and_hardened():
    unit = settings("handbook.service")
    assert unit["User"] == ["handbook"] and unit["StateDirectory"] == ["handbook"]
    assert unit["Restart"] == ["on-failure"] and unit["EnvironmentFile"] == ["/etc/handbook/handbook.env"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "CapabilityBoundingSet": ""}.items():
        assert unit[key] == [value], key
    command = exec_start("handbook.service")
    assert command[command.index("--host") + 1] == "127.0.0.1", "only the proxy may reach the service"
    assert command[command.index("--db") + 1].startswith("/var/lib/handbook/")


def test_the_token_is_not_shipped():
    (line,) = [line for line in (DEPLOY / "handbook.env.example").read_text(encoding="utf-8").splitlines()
               if not line.startswith("#")]
    assert line == "HANDBOOK_ADMIN_TOKEN="


def test_the_nightly_backup_command_makes_a_dated_checked_copy(tmp_path):
    state = tmp_path / "state"
    (state / "backups").mkdir(parents=True)  # StateDirectory= makes it
    store = Store(state / "records.sqlite")
    store.close()
    command = adapted(exec_start("handbook-backup.service"), tmp_path / "srv", state)
    (tmp_path / "srv").mkdir()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"backed up 0 records to .+ \(.+, integrity ok\) in .+\n", result.stdout)
    (made,) = (state / "backups").iterdir()
    assert re.fullmatch(r"records-\d{8}T\d{6}Z\.sqlite", made.name)
    (cleanup,) = settings("handbook-backup.service")["ExecStartPost"]
    assert cleanup.split()[1] == "/var/lib/handbook/backups" and "records-*.sqlite" in cleanup
