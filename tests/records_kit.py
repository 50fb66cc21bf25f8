"""The one harness of the records and service tests: valid records of the shipped project, the
service made by ``create_app`` and called in-process, and ``handbook serve``/``preview`` as a
real process for what needs one."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from anyio.from_thread import start_blocking_portal

from handbook.app import create_app
from handbook.project import Project, load_project
from handbook.records.contract import FORMAT
from handbook.records.stores import open_store
from handbook.serve import prebuilt
from handbook.service.site import ServedSite

TOKEN = "test-admin-token-4b1f"
START_TIMEOUT = 60
HANDBOOK = str(Path(sys.executable).parent / "handbook")
URL = re.compile(r"Serving the handbook on (http://\S+?)/ ")


def project_at(root: Path) -> Project:
    project, problems = load_project(root)
    assert project is not None, problems
    return project


def _base(project: Project, kind: str, employee_id: str, name: str, role: str,
          policy_id: str = "admin-policy-6") -> dict[str, Any]:
    policy = project.policy(policy_id)
    return {
        "format": FORMAT, "id": str(uuid.uuid4()), "kind": kind,
        "policy": {"id": policy.id, "version": policy.version, "hash": policy.content_hash()},
        "quiz": None, "form": None,
        "person": {"employee_id": employee_id, "name": name, "department": "Parks", "role": role,
                   "email": f"{''.join(employee_id.split())}@example.org"},
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
    audiences = {quiz.id: quiz.audience for quiz in project.quizzes}
    record.update(quiz_part(project, policy.acknowledgement.quiz_for(role, audiences)))
    record.update(changes)
    return record


def quiz_attempt(project: Project, quiz_id: str, employee_id: str = "E100", name: str = "Ann Example",
                 role: str = "sma", correct: bool = True, **changes: Any) -> dict[str, Any]:
    policy_id = next(q.policy for q in project.quizzes if q.id == quiz_id)
    record = _base(project, "quiz-attempt", employee_id, name, role, policy_id)
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


Answer = tuple[int, httpx.Headers, Any]
"""(status, headers, the JSON body or else the text) of one answer."""


def _answer(response: httpx.Response) -> Answer:
    try:
        return response.status_code, response.headers, response.json()
    except ValueError:
        return response.status_code, response.headers, response.text


class Service:
    """The service as ``create_app`` makes it for ``handbook serve --site-dir``, called in this
    process through httpx's ASGI transport, with a real SQLite file or PostgreSQL database
    (``db``: a path or a ``postgresql://`` URL); ``listen()`` also puts it
    on a real port (uvicorn in a thread) for Chromium."""

    url = "http://testserver"

    def __init__(self, project: Path, site: Path, db: Path | str, token: str | None = TOKEN,
                 roster: Path | None = None, **app_options: Any) -> None:
        self.project, self.site, self.db, self.token = project, site, db, token
        self.store = open_store(db)
        self.app = create_app(ServedSite(prebuilt(project, site)), self.store, token=token, roster=roster,
                              **app_options)
        self._portal_context = start_blocking_portal()
        self._portal = self._portal_context.__enter__()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.url)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.address = ""
        """The real base URL once :meth:`listen` was called."""

    def request(self, method: str, path: str, body: bytes | list[bytes] | dict[str, Any] | str = b"",
                headers: dict[str, str] | None = None) -> Answer:
        """One request; a list of byte strings is sent chunked (no Content-Length). No cookies
        are kept between requests: each test says what it sends."""
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        content: Any = _chunks(body) if isinstance(body, list) else body

        async def send() -> httpx.Response:
            try:
                return await self._client.request(method, path, content=content, headers=headers)
            finally:
                self._client.cookies.clear()

        return _answer(self._portal.call(send))

    def post(self, path: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def listen(self, port: int = 0) -> str:
        """Serve the same app on 127.0.0.1 (``port``, else an ephemeral one) too; returns its base URL."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [listener]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        self.address = f"http://127.0.0.1:{listener.getsockname()[1]}"
        return self.address

    def close(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(30)
        self._portal.call(self._client.aclose)
        self._portal_context.__exit__(None, None, None)
        self.store.close()


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class Process:
    """``handbook serve`` or ``preview`` as a real process, for what needs one: kill -9, load,
    ports, signals, two servers at once. Output goes to a log file, read as it grows."""

    def __init__(self, command: str, project: Path, *arguments: str, log: Path,
                 token: str | None = TOKEN, environment: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        env = {key: value for key, value in os.environ.items() if key != "HANDBOOK_ADMIN_TOKEN"}
        env.update(environment or {})
        if token:
            env["HANDBOOK_ADMIN_TOKEN"] = token
        self.token, self.log = token, log
        self._file = log.open("w")
        self.process = subprocess.Popen([HANDBOOK, command, str(project), *arguments], env=env, cwd=cwd,
                                        stdout=self._file, stderr=subprocess.STDOUT, text=True)
        self.url = ""

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def started(self, timeout: float = START_TIMEOUT) -> Process:
        """Wait for the start line; the base URL it names becomes ``url``."""
        found = wait_for(lambda: URL.search(self.output()) or self.process.poll() is not None, timeout)
        if not isinstance(found, re.Match):
            raise AssertionError(f"the server did not start: {self.output()}")
        self.url = found[1]
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._file.close()
        return self.process.returncode

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def post(url: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None,
         method: str = "POST") -> Answer:
    """One request with a JSON body over real HTTP; never raises for an HTTP error status."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json", **(headers or {})}
    return _answer(httpx.request(method, url, content=data, headers=headers, timeout=30))


def get(url: str, headers: dict[str, str] | None = None) -> Answer:
    """One GET over real HTTP; never raises for an HTTP error status."""
    return _answer(httpx.get(url, headers=headers, timeout=30))


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until ``predicate`` returns something truthy; a generous limit, not a timing test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except httpx.TransportError:
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def set_records_settings(project: Path, **settings: Any) -> None:
    """Change the ``records:`` block of a project copy's handbook file."""
    import yaml

    path = project / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["records"] = {**data.get("records", {}), **settings}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


ODD: dict[str, bytes] = {
    "duplicate key (the last wins)": b'"user_agent": "first", "user_agent": "second"',
    "huge integer": b'"attempt": 1' + b"0" * 400,
    "huge float": b'"score": 1e400',
    "whole number for a float": b'"score": 100',
    "negative zero": b'"score": -0.0',
    "NaN": b'"score": NaN',
    "Infinity": b'"score": -Infinity',
    "lone surrogate escape": b'"user_agent": "\\ud800"',
    "lone low surrogate escape": b'"signature": "x\\udc00"',
    "surrogate pair escape": b'"user_agent": "\\ud83d\\ude00"',
    "surrogate in UTF-8": b'"user_agent": "\xed\xa0\x80"',
    "not UTF-8": b'"user_agent": "\xff"',
    "overlong UTF-8": b'"user_agent": "\xc0\xaf"',
    "raw control character": b'"user_agent": "a\x01b"',
    "integer as float": b'"attempt": 1.0',
    "deep nesting": b'"user_agent": ' + b"[" * 5000 + b"]" * 5000,
    "escaped NUL": b'"user_agent": "a\\u0000b"',
    "escaped NUL in a key": b'"\\u0000": 1',
    "escaped backslash before u0000": b'"user_agent": "a\\\\u0000b"',
}
"""Odd JSON members to add to a record's body, by what is odd about them."""
