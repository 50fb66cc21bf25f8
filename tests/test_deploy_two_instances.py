"""The two-instance deploy example: the documented template unit started twice on one
PostgreSQL database, behind Caddy with the documented load-balancing Caddyfile. Records go
through either instance, and while one is stopped (a rolling upgrade) the other takes them all."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from handbook.records.stores import open_store
from tests.records_kit import TOKEN, project_at, quiz_attempt
from tests.served import CLEAN_ENV, DEPLOY, HANDBOOK, INSTALLED, Served, adapted, exec_start, stopped_cleanly
from tests.test_caddy import CADDY, SITE_NAME, free_port

EXAMPLE = DEPLOY / "two-instances"
UNIT = "two-instances/handbook@.service"
UPSTREAMS = ("127.0.0.1:8001", "127.0.0.1:8002")


def environment(url: str) -> dict[str, str]:
    """The documented environment file with the test's token and database."""
    found = {}
    for line in (EXAMPLE / "handbook.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found[key] = value
    assert set(found) == {"HANDBOOK_ADMIN_TOKEN", "HANDBOOK_DB"} and found["HANDBOOK_DB"].startswith("postgresql://")
    return {**found, "HANDBOOK_ADMIN_TOKEN": TOKEN, "HANDBOOK_DB": url}


def balancer(upstreams: list[str], port: int) -> str:
    """The documented Caddyfile on plain HTTP at 127.0.0.1:port, in front of the test's instances."""
    text = (EXAMPLE / "Caddyfile").read_text(encoding="utf-8")
    assert f"reverse_proxy {' '.join(UPSTREAMS)} {{" in text and "lb_try_duration" in text
    for documented, actual in zip(UPSTREAMS, upstreams, strict=True):
        text = text.replace(documented, actual)
    site = text.replace(f"{SITE_NAME} {{", f"http://127.0.0.1:{port} {{")
    return "{\n\tadmin off\n\tauto_https off\n}\n\n" + site


def send(url: str, record: dict | None) -> int:
    """POST a record (None: a GET) and the answer's status; 0 when nothing answers."""
    data = None if record is None else json.dumps(record).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return 0  # nothing listens (yet)


def posts_seen(instance: Served) -> int:
    return len(re.findall(r"POST /api/records 201", instance.output()))


@pytest.fixture
def deployed(tmp_path: Path, postgres) -> Iterator[tuple[str, list[Served], Path, str]]:
    if not CADDY.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Caddy is missing at /usr/bin/caddy; .ci/run installs it")
        pytest.skip("Caddy not installed (apt-get install caddy); CI runs these tests")
    project, state, url = tmp_path / "srv", tmp_path / "state", postgres.create()
    for step in (["new", str(project)], ["build", str(project)]):
        done = subprocess.run([HANDBOOK, *step], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    command = adapted(exec_start(UNIT), project, state)
    instances: list[Served] = []
    caddy = None
    try:
        for name in ("8001", "8002"):
            (state / name).mkdir(parents=True)  # systemd's StateDirectory; the WorkingDirectory
            instances.append(Served(command, state / name, {**CLEAN_ENV, **environment(url)}))
        port = free_port()
        config = tmp_path / "Caddyfile"
        upstreams = [instance.url.removeprefix("http://") for instance in instances]
        config.write_text(balancer(upstreams, port), encoding="utf-8")
        log = tmp_path / "caddy.log"
        home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"),
                "XDG_CONFIG_HOME": str(tmp_path / "c")}
        caddy = subprocess.Popen([str(CADDY), "run", "--config", str(config), "--adapter", "caddyfile"],
                                 env={**CLEAN_ENV, **home}, stdout=log.open("w"), stderr=subprocess.STDOUT)
        front = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while send(f"{front}/api/openapi.json", None) != 200:  # up, and passing requests on
            assert caddy.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        yield front, instances, project, url
    finally:
        if caddy is not None:
            caddy.terminate()
            caddy.wait(timeout=20)
        for instance in instances:
            code = instance.stop()
            assert stopped_cleanly(code) and "Traceback" not in instance.output(), instance.output()


def test_caddy_shares_records_between_two_instances_and_survives_a_rolling_restart(deployed):
    front, (first, second), project, url = deployed
    loaded = project_at(project)
    records = [quiz_attempt(loaded, "hazard-reporting-self-check", employee_id=f"E{n}", role="employee")
               for n in range(60)]
    assert [send(f"{front}/api/records", record) for record in records[:30]] == [201] * 30
    assert posts_seen(first) > 0 and posts_seen(second) > 0  # both took a share
    assert stopped_cleanly(first.stop())  # the first instance is being upgraded
    assert [send(f"{front}/api/records", record) for record in records[30:]] == [201] * 30
    assert send(f"{front}/api/records", records[0]) == 201  # a replay through the other instance
    store = open_store(url)
    try:
        assert store.ids() == {record["id"] for record in records}
    finally:
        store.close()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_finds_nothing_wrong_with_the_template_unit(tmp_path):
    text = (DEPLOY / UNIT).read_text(encoding="utf-8").replace(INSTALLED, HANDBOOK)
    unit = tmp_path / "handbook@8001.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    assert "--db" not in exec_start(UNIT), "the database comes from the environment file only"
