"""The record format (``handbook-record/1``): what the site sends and a receipt file holds.

This is the contract between the pages that make records and the service that keeps them,
so it is strict: unknown fields, wrong types and impossible combinations are refused here,
before anything looks at the project.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from handbook.models.base import Model


def _utc_timestamp(value: str) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` and a real moment (no 2026-02-30)."""
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError("must be a UTC time like 2026-01-05T09:00:00Z") from None
    return value


Short = Annotated[str, StringConstraints(max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(max_length=10_000)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Timestamp = Annotated[str, AfterValidator(_utc_timestamp)]
FormAnswer = bool | Long | list[Long]


class Strict(Model):
    """Records come from outside: no unknown fields, and no quiet type coercion either."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PolicyRef(Strict):
    id: Ident
    version: Ident
    hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class VersionRef(Strict):
    id: Ident
    version: Ident


class Person(Strict):
    employee_id: Name
    name: Name
    department: Name
    role: Ident
    email: Short | None = None


class Record(Strict):
    format: Literal["handbook-record/1"]
    id: Annotated[str, StringConstraints(min_length=36, max_length=36)]
    kind: Literal["acknowledgement", "quiz-attempt", "form"]
    policy: PolicyRef
    quiz: VersionRef | None = None
    form: VersionRef | None = None
    person: Person
    statement: Long | None = None
    signature: Short | None = None
    questions: Annotated[list[Ident], Field(max_length=500)] | None = None
    answers: Annotated[dict[Ident, FormAnswer], Field(max_length=500)]
    score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    pass_mark: Annotated[int, Field(ge=0, le=100)] | None = None
    passed: bool | None = None
    attempt: Annotated[int, Field(ge=1, le=10_000)] | None = None
    started_at: Timestamp
    submitted_at: Timestamp
    user_agent: Annotated[str, StringConstraints(max_length=1000)]

    @model_validator(mode="after")
    def _consistent(self) -> Record:
        try:
            parsed = uuid.UUID(self.id)
        except ValueError:
            raise ValueError("id: not a UUID") from None
        if parsed.version != 4 or str(parsed) != self.id.lower():
            raise ValueError("id: must be a version 4 UUID in the usual 8-4-4-4-12 form")
        if self.started_at > self.submitted_at:
            raise ValueError("started_at is after submitted_at")
        graded = {"quiz": self.quiz, "questions": self.questions, "pass_mark": self.pass_mark,
                  "passed": self.passed, "attempt": self.attempt}
        if self.kind == "quiz-attempt":
            _need(self, "a quiz attempt", graded)
        if self.kind == "acknowledgement":
            _need(self, "an acknowledgement", {"statement": self.statement, "signature": self.signature})
            if self.quiz is not None:
                _need(self, "an acknowledgement with a quiz", graded)
            elif self.answers:
                raise ValueError("answers: an acknowledgement without a quiz has no answers")
        if self.kind == "form":
            _need(self, "a form", {"form": self.form})
        if self.kind != "form" and self.form is not None:
            raise ValueError(f"form: must be null in {self.kind} records")
        if self.kind == "form" and self.quiz is not None:
            raise ValueError("quiz: must be null in form records")
        if self.quiz is not None:
            for question, chosen in self.answers.items():
                if not isinstance(chosen, list):
                    raise ValueError(f"answers.{question}: quiz answers are lists of option ids")
        return self

    def quiz_answers(self) -> dict[str, list[str]]:
        return {key: list(value) for key, value in self.answers.items() if isinstance(value, list)}

    def canonical(self) -> str:
        """One spelling of the record, so a replay can be told from a different body."""
        data = self.model_dump(mode="json")
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _need(record: Record, what: str, fields: dict[str, Any]) -> None:
    missing = [name for name, value in fields.items() if value is None or value == ""]
    if missing:
        raise ValueError(f"{what} needs {', '.join(missing)}")


def error_messages(error: ValidationError) -> list[str]:
    """Pydantic's errors as short ``field.path: message`` lines for a JSON answer."""
    lines = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return lines
