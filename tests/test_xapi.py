"""Records forwarded to a real LRS (Ralph on 127.0.0.1) as xAPI statements: quiz attempts as
attempted and passed or failed with the score, acknowledgements under the project's verb with
the policy's version and content hash; refused statements wait and are sent again until the
LRS accepts them, and sending again never stores a statement twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from handbook.records import xapi
from tests.conftest import copy_project
from tests.lrs_kit import Lrs, lrs_venv, running_lrs
from tests.records_kit import (
    Process,
    Service,
    acknowledgement,
    post,
    project_at,
    quiz_attempt,
    set_records_settings,
    wait_for,
)

HANDBOOK = str(Path(sys.executable).with_name("handbook"))
QUIZ = "admin-policy-6-employee"


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory):
    with running_lrs(lrs_venv(), tmp_path_factory.mktemp("lrs")) as running:
        yield running


def with_lrs(project: Path, lrs: Lrs) -> None:
    path = project / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["lrs"] = {"endpoint": lrs.url, "account_home_page": "https://hr.example.org", "retry_seconds": 1}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def forward(project: Path, db: Path, user: str, password: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HANDBOOK_LRS_USERNAME": user, "HANDBOOK_LRS_PASSWORD": password}
    return subprocess.run([HANDBOOK, "records", "forward", str(project), "--db", str(db)], env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_records_reach_the_lrs_as_statements_after_a_refusal_and_only_once(lrs, built_site, tmp_path):
    root = copy_project(tmp_path / "project")
    set_records_settings(root, endpoint="/api/records")
    with_lrs(root, lrs)
    project = project_at(root)
    db = tmp_path / "records.sqlite"
    service = Service(root, built_site, db)
    records = [acknowledgement(project, employee_id="E-77", name="Ada Lee", role="employee"),
               quiz_attempt(project, QUIZ, employee_id="E-77", name="Ada Lee", role="employee",
                            correct=False),
               quiz_attempt(project, QUIZ, employee_id="E-77", name="Ada Lee", role="employee")]
    for record in records:
        assert service.post("/api/records", record)[0] == 201
    service.close()
    policy = project.policy("admin-policy-6")

    refused = forward(root, db, lrs.user, "not-the-password")
    assert refused.returncode == 1
    assert "not accepted yet" in refused.stderr and "HTTP 401" in refused.stderr
    assert refused.stdout.strip() == f"sent 0 statement(s) to {lrs.url}; 5 waiting"
    assert lrs.statements() == []

    time.sleep(1.1)  # the first wait after a refusal (retry_seconds: 1)
    done = forward(root, db, lrs.user, lrs.password)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sent 5 statement(s) to {lrs.url}; 0 waiting"
    stored = lrs.statements()
    by_verb = {(s["verb"]["id"], s["context"]["extensions"][xapi.RECORD_ID]): s for s in stored}
    assert len(stored) == 5 == len(by_verb)
    ack, failed, passed = (r["id"] for r in records)
    acknowledged = by_verb[(xapi.ACKNOWLEDGED, ack)]
    assert acknowledged["object"]["id"] == "urn:handbook:policy/admin-policy-6"
    assert acknowledged["context"]["extensions"][xapi.POLICY_VERSION] == policy.version
    assert acknowledged["context"]["extensions"][xapi.POLICY_HASH] == policy.content_hash()
    for statement in stored:
        assert statement["actor"]["account"] == {"homePage": "https://hr.example.org", "name": "E-77"}
        assert statement["actor"]["name"] == "Ada Lee"
    assert {(verb, record) for verb, record in by_verb if record != ack} == {
        (xapi.ATTEMPTED, failed), (xapi.FAILED, failed), (xapi.ATTEMPTED, passed), (xapi.PASSED, passed)}
    assert by_verb[(xapi.FAILED, failed)]["result"]["score"] == {"scaled": 0, "raw": 0, "min": 0, "max": 100}
    assert by_verb[(xapi.FAILED, failed)]["result"]["success"] is False
    assert by_verb[(xapi.PASSED, passed)]["result"]["score"]["scaled"] == 1
    assert by_verb[(xapi.PASSED, passed)]["result"]["success"] is True
    assert by_verb[(xapi.PASSED, passed)]["object"]["id"] == f"urn:handbook:quiz/{QUIZ}"

    again = forward(root, db, lrs.user, lrs.password)
    assert again.stdout.strip() == f"sent 0 statement(s) to {lrs.url}; 0 waiting"
    assert len(lrs.statements()) == 5


def test_forward_without_lrs_settings_is_one_line(project_copy, tmp_path):
    db = tmp_path / "records.sqlite"
    subprocess.run([HANDBOOK, "records", "verify", str(project_copy), "--db", str(db)], capture_output=True,
                   check=False)
    done = forward(project_copy, db, "u", "p")
    assert done.returncode == 1
    assert done.stderr.strip().endswith("no lrs: settings, so there is no LRS to forward to")
    assert "Traceback" not in done.stderr


def test_the_running_service_forwards_what_it_stores(lrs, project_copy, tmp_path, monkeypatch):
    """handbook serve with lrs: sends a record it stores to the LRS on its own, within the
    retry interval; the credentials come from the environment."""
    set_records_settings(project_copy, endpoint="/api/records")
    with_lrs(project_copy, lrs)
    monkeypatch.setenv("HANDBOOK_LRS_USERNAME", lrs.user)
    monkeypatch.setenv("HANDBOOK_LRS_PASSWORD", lrs.password)
    record = quiz_attempt(project_at(project_copy), QUIZ, employee_id="E-serve", role="employee")
    served = Process("serve", project_copy, "--port", "0", "--db", str(tmp_path / "records.sqlite"),
                     log=tmp_path / "serve.log").started()
    try:
        assert post(f"{served.url}/api/records", record)[0] == 201
        def forwarded() -> list[dict]:
            return [s for s in lrs.statements() if s["context"]["extensions"][xapi.RECORD_ID] == record["id"]]

        wait_for(lambda: len(forwarded()) == 2)
        found = forwarded()
    finally:
        assert served.stop() == 0
    assert sorted(s["verb"]["id"] for s in found) == [xapi.ATTEMPTED, xapi.PASSED]
    assert "xapi" not in served.output()  # nothing was refused


def test_check_names_an_lrs_credential_variable_that_is_not_a_variable_name(project_copy):
    """The LRS user and password are read from the environment; a name the shell cannot set (a
    pasted password, say) is one located line from ``handbook check``, as for sign-in's secret."""
    path = project_copy / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["lrs"] = {"endpoint": "https://lrs.example.org/xAPI/", "account_home_page": "https://hr.example.org",
                   "username_env": "HANDBOOK_LRS_USERNAME", "password_env": "s3cret pass"}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    done = subprocess.run([HANDBOOK, "check", str(project_copy)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    row = 1 + path.read_text(encoding="utf-8").splitlines().index("  password_env: s3cret pass")
    assert [line for line in done.stderr.splitlines() if "handbook.yaml" in line] == [
        f"policy_source/handbook.yaml:{row}:17: lrs.password_env: 's3cret pass' is not an environment "
        "variable name (letters, digits and _), e.g. HANDBOOK_SECRET"]
    assert "Traceback" not in done.stderr
