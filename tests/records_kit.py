"""Shared by the records and service tests: valid records of the shipped project, and the real
service started as a subprocess (uvicorn on an ephemeral port, a real SQLite file)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from handbook.project import Project, load_project
from handbook.records.contract import FORMAT

TOKEN = "test-admin-token-4b1f"
START_TIMEOUT = 60


def project_at(root: Path) -> Project:
    project, problems = load_project(root)
    assert project is not None, problems
    return project


def _base(project: Project, kind: str, employee_id: str, name: str, role: str) -> dict[str, Any]:
    policy = project.policy("admin-policy-6")
    return {
        "format": FORMAT, "id": str(uuid.uuid4()), "kind": kind,
        "policy": {"id": policy.id, "version": policy.version, "hash": policy.content_hash()},
        "quiz": None, "form": None,
        "person": {"employee_id": employee_id, "name": name, "department": "Parks", "role": role,
                   "email": f"{employee_id}@example.org"},
        "statement": None, "signature": None, "questions": None, "answers": {},
        "score": None, "pass_mark": None, "passed": None, "attempt": None,
        "started_at": "2026-01-05T09:00:00Z", "submitted_at": "2026-01-05T09:10:00Z",
        "user_agent": "pytest",
    }


def quiz_part(project: Project, quiz_id: str, correct: bool = True) -> dict[str, Any]:
    """The quiz fields of a record: every question asked, all right (100) or all wrong (0)."""
    quiz = next(q for q in project.quizzes if q.id == quiz_id)
    questions = [q.id for q in quiz.questions][: quiz.presented]
    answers = {}
    for question in quiz.questions[: quiz.presented]:
        options = question.choices()
        chosen = [o.id for o in options if o.correct == correct]
        answers[question.id] = chosen if question.multiple or correct else chosen[:1]
    score = 100.0 if correct else 0.0
    return {"quiz": {"id": quiz.id, "version": quiz.version}, "questions": questions, "answers": answers,
            "score": score, "pass_mark": quiz.pass_mark, "passed": correct, "attempt": 1}


def acknowledgement(project: Project, employee_id: str = "E100", name: str = "Ann Example",
                    role: str = "employee", **changes: Any) -> dict[str, Any]:
    policy = project.policy("admin-policy-6")
    record = _base(project, "acknowledgement", employee_id, name, role)
    record.update(statement=policy.acknowledgement.statement, signature=name)
    record.update(quiz_part(project, policy.acknowledgement.requires_quiz))
    record.update(changes)
    return record


def quiz_attempt(project: Project, quiz_id: str, employee_id: str = "E100", name: str = "Ann Example",
                 role: str = "sma", correct: bool = True, **changes: Any) -> dict[str, Any]:
    record = _base(project, "quiz-attempt", employee_id, name, role)
    record.update(quiz_part(project, quiz_id, correct))
    record.update(changes)
    return record


def violation_report(project: Project, employee_id: str = "E100", name: str = "Ann Example",
                     description: str = "A profane reply on the Parks page", **changes: Any
                     ) -> dict[str, Any]:
    record = _base(project, "form", employee_id, name, "employee")
    form = next(f for f in project.forms if f.id == "violation-report")
    record["form"] = {"id": form.id, "version": form.version}
    sample = {"text": "Facebook, Parks page", "textarea": description, "email": "a@example.org",
              "url": "https://example.org/post", "date": "2026-01-04", "signature": name}
    answers: dict[str, Any] = {}
    for field, _ in form.fields():
        if field.type == "checkbox":
            answers[field.id] = True
        elif field.type in ("select", "multi-select"):
            answers[field.id] = field.options[0].id if field.type == "select" else [field.options[0].id]
        elif field.required or field.type == "textarea":
            answers[field.id] = sample[field.type]
    record["answers"] = answers
    record.update(changes)
    return record


def post(url: str, body: bytes | dict, headers: dict[str, str] | None = None, method: str = "POST"
         ) -> tuple[int, dict[str, str], Any]:
    """One request; (status, headers, JSON body or text). Never raises for HTTP errors."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    return _open(request)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    return _open(urllib.request.Request(url, headers=headers or {}))


def _open(request: urllib.request.Request) -> tuple[int, dict[str, str], Any]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, dict(error.headers), error.read()
    text = raw.decode("utf-8")
    try:
        return status, headers, json.loads(text)
    except ValueError:
        return status, headers, text


class Service:
    """``handbook serve`` in a subprocess, serving a prebuilt site and a real SQLite file."""

    def __init__(self, project: Path, site: Path, db: Path, token: str | None = TOKEN,
                 roster: Path | None = None) -> None:
        self.project, self.site, self.db, self.token, self.roster = project, site, db, token, roster
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> Service:
        env = {key: value for key, value in os.environ.items() if key != "HANDBOOK_ADMIN_TOKEN"}
        if self.token:
            env["HANDBOOK_ADMIN_TOKEN"] = self.token
        command = [sys.executable, "-c", "from handbook.cli import main; main()", "serve", str(self.project),
                   "--port", "0", "--site-dir", str(self.site), "--db", str(self.db)]
        if self.roster:
            command += ["--roster", str(self.roster)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=Path(__file__).resolve().parent.parent)
        line = _first_line(self.process, START_TIMEOUT)
        if "http://" not in line:
            self.stop()
            raise AssertionError(f"service did not start: {line!r} {self.process.stderr.read()}")
        self.url = line.split("http://", 1)[1].split("/", 1)[0]
        self.url = f"http://{self.url}"
        for pipe in (self.process.stdout, self.process.stderr):  # keep the pipes drained
            threading.Thread(target=pipe.read, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while reader.is_alive() and time.monotonic() < deadline and process.poll() is None:
        reader.join(0.05)
    return found[0] if found else ""


def set_records_settings(project: Path, **settings: Any) -> None:
    """Change the ``records:`` block of a project copy's handbook file."""
    import yaml

    path = project / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["records"] = {**data.get("records", {}), **settings}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
