"""The hostile-request corpus: each case is a request someone could send the service, built
from a valid record of the shipped project, and the exact answer it must get."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handbook.project import Project
from tests.conftest import copy_project
from tests.records_kit import acknowledgement, project_at, set_records_settings, violation_report


def unthrottled_project(base: Path) -> tuple[Path, Project]:
    """A copy of the shipped project whose rate limit never gets in a corpus's way."""
    root = copy_project(base / "project")
    set_records_settings(root, rate_limit_per_minute=1_000_000)
    return root, project_at(root)


DELETE = object()
"""A mutation value: remove the key."""

Body = Callable[[Project], bytes | dict[str, Any]]


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    detail: str
    body: Body | None = None
    method: str = "POST"
    path: str = "/api/records"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


def changed(path: str, value: Any, make: Callable[..., dict[str, Any]] = acknowledgement) -> Body:
    """A valid record with the value at a dotted ``path`` set (or removed with DELETE)."""

    def body(project: Project) -> dict[str, Any]:
        record = make(project)
        *parents, last = path.split(".")
        target = record
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
        return record

    return body


def raw(data: bytes) -> Body:
    return lambda project: data


def form(answer_field: str, value: Any) -> Body:
    return changed(f"answers.{answer_field}", value, violation_report)


def _cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    json_422 = 422

    # bodies that are not a record at all
    for name, data, status, detail in [
        ("empty body", b"", 400, "the body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        (
            "half an object",
            b"{",
            400,
            "the body is not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
        ("not utf-8", b"\xff\xfe{}", 400, "the body is not UTF-8 text"),
        ("latin-1 text", '{"name": "Jos\u00e9"}'.encode("latin-1"), 400, "the body is not UTF-8 text"),
        ("a list", b"[]", json_422, "a record is a JSON object"),
        ("null", b"null", json_422, "a record is a JSON object"),
        ("a number", b"42", json_422, "a record is a JSON object"),
        ("a string", b'"record"', json_422, "a record is a JSON object"),
        ("deep list", b"[" * 30_000 + b"]" * 30_000, 400, "the body is nested too deeply"),
        ("deep object", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 400, "the body is nested too deeply"),
        (
            "deep and large",
            b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
            413,
            "the body is larger than 65536 bytes",
        ),
        ("over the size limit", b" " * 70_000, 413, "the body is larger than 65536 bytes"),
    ]:
        add(Case(f"body: {name}", status, detail, raw(data)))

    for name, literal in [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")]:
        add(
            Case(
                f"body: score {name}",
                json_422,
                "score: Input should be a finite number",
                lambda project, literal=literal: (
                    json.dumps(acknowledgement(project))
                    .replace('"score": 100.0', f'"score": {literal}')
                    .encode()
                ),
            )
        )
    add(
        Case(
            "media: text/plain",
            415,
            "send the record as application/json",
            raw(b"{}"),
            headers={"Content-Type": "text/plain"},
        )
    )
    add(
        Case(
            "media: form-encoded",
            415,
            "send the record as application/json",
            raw(b"a=1"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    )
    add(Case("media: none", 415, "send the record as application/json", raw(b"{}"), headers={}))
    add(
        Case(
            "origin: another site",
            403,
            "origin https://evil.example may not send records here",
            raw(b"{}"),
            headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
        )
    )

    # every field left out
    for key in (
        "format",
        "id",
        "kind",
        "policy",
        "person",
        "answers",
        "started_at",
        "submitted_at",
        "user_agent",
    ):
        add(Case(f"missing: {key}", json_422, f"{key}: Field required", changed(key, DELETE)))
    for key in ("id", "version", "hash"):
        add(
            Case(
                f"missing: policy.{key}",
                json_422,
                f"policy.{key}: Field required",
                changed(f"policy.{key}", DELETE),
            )
        )
    for key in ("employee_id", "name", "department", "role"):
        add(
            Case(
                f"missing: person.{key}",
                json_422,
                f"person.{key}: Field required",
                changed(f"person.{key}", DELETE),
            )
        )

    # unknown fields and wrong types
    add(Case("extra: top level", json_422, "admin: Extra inputs are not permitted", changed("admin", True)))
    add(
        Case(
            "extra: in person",
            json_422,
            "person.password: Extra inputs are not permitted",
            changed("person.password", "hunter2"),
        )
    )
    add(
        Case(
            "extra: in policy",
            json_422,
            "policy.url: Extra inputs are not permitted",
            changed("policy.url", "x"),
        )
    )
    for path, value, message in [
        ("format", "handbook-record/2", "format: Input should be 'handbook-record/1'"),
        ("kind", "exam", "kind: Input should be 'acknowledgement', 'quiz-attempt' or 'form'"),
        ("kind", "ACKNOWLEDGEMENT", "kind: Input should be 'acknowledgement', 'quiz-attempt' or 'form'"),
        ("policy", "admin-policy-6", "policy: Input should be a valid dictionary or instance of PolicyRef"),
        ("person", [], "person: Input should be a valid dictionary or instance of Person"),
        ("answers", [], "answers: Input should be a valid dictionary"),
        ("score", 101, "score: Input should be less than or equal to 100"),
        ("score", -1, "score: Input should be greater than or equal to 0"),
        ("score", "100", "score: Input should be a valid number"),
        ("attempt", 0, "attempt: Input should be greater than or equal to 1"),
        ("attempt", 1.5, "attempt: Input should be a valid integer"),
        ("pass_mark", 101, "pass_mark: Input should be less than or equal to 100"),
        ("passed", "yes", "passed: Input should be a valid boolean"),
        ("user_agent", "x" * 1001, "user_agent: String should have at most 1000 characters"),
        ("user_agent", None, "user_agent: Input should be a valid string"),
        ("policy.hash", "0" * 63, "policy.hash: String should match pattern '^[0-9a-f]{64}$'"),
        ("policy.hash", "G" * 64, "policy.hash: String should match pattern '^[0-9a-f]{64}$'"),
        ("policy.id", "", "policy.id: String should have at least 1 character"),
        ("policy.id", "no-such-policy", "policy.id: unknown policy 'no-such-policy' (known: admin-policy-6)"),
        (
            "policy.version",
            "99",
            "policy.version: unknown version '99' of policy 'admin-policy-6' (current: '1')",
        ),
        ("questions", "q1", "questions: Input should be a valid list"),
        ("quiz", None, "answers: an acknowledgement without a quiz has no answers"),
        ("statement", None, "an acknowledgement needs statement"),
        (
            "statement",
            "I agree to nothing.",
            "statement: not the acknowledgement statement of policy 'admin-policy-6' version '1'",
        ),
        ("signature", "x" * 201, "signature: String should have at most 200 characters"),
        ("form", {"id": "violation-report", "version": "1"}, "form: must be null in acknowledgement records"),
        ("signature", "Ann\x00", "signature: must not contain the control character U+0000"),
        ("signature", "\u202eAnn", "signature: must not contain the formatting character U+202E"),
        ("person.role", "r" * 121, "person.role: String should have at most 120 characters"),
        (
            "questions",
            ["q"] * 501,
            "questions: List should have at most 500 items after validation, not 501",
        ),
        (
            "answers",
            {f"q{n}": ["a"] for n in range(501)},
            "answers: Dictionary should have at most 500 items after validation, not more",
        ),
        ("policy.hash", "A" * 64, "policy.hash: String should match pattern '^[0-9a-f]{64}$'"),
    ]:
        add(Case(f"type: {path} = {str(value)[:30]!r}", json_422, message, changed(path, value)))

    # ids: one canonical form; anything else is not an id
    for name, value, message in [
        ("not a uuid", "not-a-uuid-at-all-but-36-characters!", "id: not a UUID"),
        ("too short", "1234", "id: String should have at least 36 characters"),
        ("no dashes", uuid.uuid4().hex, "id: String should have at least 36 characters"),
        ("braces", "{" + str(uuid.uuid4())[:34] + "}", "id: not a UUID"),
        ("urn", "urn:uuid:" + str(uuid.uuid4()), "id: String should have at most 36 characters"),
        ("version 1", str(uuid.uuid1()), "id: must be a version 4 UUID in the usual 8-4-4-4-12 form"),
        ("nil", str(uuid.UUID(int=0)), "id: must be a version 4 UUID in the usual 8-4-4-4-12 form"),
        ("a number", 4, "id: Input should be a valid string"),
        ("zero-width inside", str(uuid.uuid4())[:35] + "\u200b", "id: not a UUID"),
        (
            "dashes moved",
            "0" * 8 + "4" + "-" * 4 + "a" * 23,
            "id: must be a version 4 UUID in the usual 8-4-4-4-12 form",
        ),
    ]:
        add(Case(f"id: {name}", json_422, message, changed("id", value)))

    # timestamps: strict ISO 8601 UTC, 2000-01-01 .. a day past the server's clock
    strict = "must be a UTC time like 2026-01-05T09:00:00Z"
    for value, message in [
        ("2026-1-5T9:0:0Z", strict),
        ("2026-01-05 09:10:00Z", strict),
        ("2026-01-05T09:10:00", strict),
        ("2026-01-05T09:10:00+00:00", strict),
        ("2026-01-05T09:10:00.123Z", strict),
        ("2026-02-30T09:10:00Z", strict),
        ("2026-01-05T24:00:00Z", strict),
        ("\u0662\u0660\u0662\u0666-01-05T09:10:00Z", strict),
        ("next tuesday", strict),
        ("", strict),
        ("9999-12-31T00:00:00Z", "must not be more than a day after the server's clock"),
        ("2999-01-01T00:00:00Z", "must not be more than a day after the server's clock"),
        ("1999-12-31T23:59:59Z", "must not be before 2000-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00Z", "must not be before 2000-01-01T00:00:00Z"),
    ]:
        add(
            Case(
                f"submitted_at: {value!r}",
                json_422,
                f"submitted_at: {message}",
                changed("submitted_at", value),
            )
        )
    add(
        Case("started_at: loose", json_422, f"started_at: {strict}", changed("started_at", "2026-1-5T9:0:0Z"))
    )
    add(
        Case(
            "started_at after submitted_at",
            json_422,
            "started_at is after submitted_at",
            changed("started_at", "2026-01-05T09:20:00Z"),
        )
    )
    add(
        Case(
            "submitted_at: a number",
            json_422,
            "submitted_at: Input should be a valid string",
            changed("submitted_at", 1767603000),
        )
    )

    # the person block: no control or formatting characters, nothing blank, nothing too long
    junk = [
        ("NUL", "Ann\x00", "must not contain the control character U+0000"),
        ("escape", "Ann\x1b[31m", "must not contain the control character U+001B"),
        ("right-to-left override", "Ann\u202egpj.exe", "must not contain the formatting character U+202E"),
        ("zero-width only", "\u200b\u200b", "must not contain the formatting character U+200B"),
        ("byte order mark", "\ufeffAnn", "must not contain the formatting character U+FEFF"),
        ("line separator", "Ann\u2028Bee", "must not contain the formatting character U+2028"),
    ]
    for key in ("employee_id", "name", "department"):
        for name, value, message in junk:
            add(
                Case(
                    f"person.{key}: {name}",
                    json_422,
                    f"person.{key}: {message}",
                    changed(f"person.{key}", value),
                )
            )
        add(
            Case(
                f"person.{key}: spaces",
                json_422,
                f"person.{key}: String should have at least 1 character",
                changed(f"person.{key}", "   "),
            )
        )
        add(
            Case(
                f"person.{key}: too long",
                json_422,
                f"person.{key}: String should have at most 200 characters",
                changed(f"person.{key}", "x" * 201),
            )
        )
        add(
            Case(
                f"person.{key}: a number",
                json_422,
                f"person.{key}: Input should be a valid string",
                changed(f"person.{key}", 7),
            )
        )
    add(
        Case(
            "person.employee_id: look-alike",
            json_422,
            "person.employee_id: must not contain the formatting character U+200B",
            changed("person.employee_id", "E\u200b1"),
        )
    )
    add(
        Case(
            "person.employee_id: joiner",
            json_422,
            "person.employee_id: must not contain the formatting character U+200D",
            changed("person.employee_id", "E\u200d1"),
        )
    )
    for value in ("not an email", "a@b", "@example.org", "a@@example.org", "ann@example.org\u202e"):
        message = (
            "must not contain the formatting character U+202E"
            if "\u202e" in value
            else "must be an email address like name@example.org"
        )
        add(
            Case(
                f"person.email: {value!r}",
                json_422,
                f"person.email: {message}",
                changed("person.email", value),
            )
        )
    add(
        Case(
            "person.role: unknown",
            json_422,
            "person.role: unknown role 'mayor'",
            changed("person.role", "mayor"),
        )
    )
    add(
        Case(
            "person.role: NUL",
            json_422,
            "person.role: must not contain the control character U+0000",
            changed("person.role", "employee\x00"),
        )
    )

    # form answers, validated by field type
    for field_id, value, message in [
        ("seen-on", "=1+2", "a date answer is a real day written YYYY-MM-DD"),
        ("seen-on", "next tuesday", "a date answer is a real day written YYYY-MM-DD"),
        ("seen-on", "2026-02-30", "a date answer is a real day written YYYY-MM-DD"),
        ("seen-on", "2026-1-5", "a date answer is a real day written YYYY-MM-DD"),
        ("seen-on", "   ", "required"),
        ("seen-on", True, "a date answer is text"),
        ("content-url", "javascript:alert(1)", "a url answer is an http:// or https:// address"),
        (
            "content-url",
            "data:text/html,<script>alert(1)</script>",
            "a url answer is an http:// or https:// address",
        ),
        ("content-url", "ftp://example.org/x", "a url answer is an http:// or https:// address"),
        ("content-url", "http://", "a url answer is an http:// or https:// address"),
        ("content-url", "https://exa mple.org", "a url answer is an http:// or https:// address"),
        ("description", "\x00", "must not contain the control character U+0000"),
        ("description", "fine\u202etxt", "must not contain the formatting character U+202E"),
        ("description", "   \n\t ", "required"),
        ("description", ["a"], "a textarea answer is text"),
        ("where", "Facebook\nTwitter", "must not contain the control character U+000A"),
        ("where", "\u200b", "must not contain the formatting character U+200B"),
    ]:
        add(
            Case(
                f"answer: {field_id} = {str(value)[:30]!r}",
                json_422,
                f"answers.{field_id}: {message}",
                form(field_id, value),
            )
        )
    add(
        Case(
            "answer: unknown field",
            json_422,
            "answers.password: unknown field of form 'violation-report'",
            form("password", "hunter2"),
        )
    )
    add(
        Case(
            "answer: too long",
            json_422,
            "; ".join(
                [
                    "answers.description.bool: Input should be a valid boolean",
                    "answers.description.constrained-str: String should have at most 10000 characters",
                    "answers.description.list[constrained-str]: Input should be a valid list",
                ]
            ),
            form("description", "x" * 10_001),
        )
    )
    return cases


CASES = _cases()


def request_body(case: Case, project: Project) -> bytes:
    if case.body is None:
        return b""
    made = case.body(project)
    return made if isinstance(made, bytes) else json.dumps(made).encode()
