"""The record model: what the site sends and a receipt file holds, as the contract declares it.

This is the contract between the pages that make records and the service that keeps them,
so it is strict: unknown fields, wrong types and impossible combinations are refused here,
before anything looks at the project.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)

from handbook.models.base import Model
from handbook.records.chain import CANONICAL_JSON
from handbook.records.cleantext import email_problem, normalise_id, text_problem
from handbook.records.contract import PERSON_FIELDS, PersonField, RecordFormat, RecordKind

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No record is older than this; with :data:`AHEAD`, the window RECORDS.md documents."""
AHEAD = timedelta(days=1)
"""How far past the server's clock a record's times may be (a client's clock runs fast)."""
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
"""A version 4 UUID (RFC 4122 variant) exactly as ``str(uuid.UUID(...))`` spells it."""


def _utc_timestamp(value: str) -> str:
    """Exactly ``YYYY-MM-DDTHH:MM:SSZ``, a real moment (no 2026-02-30), from 2000-01-01 to one
    day past the server's clock, so no stored time can break a report's date arithmetic."""
    try:
        if not _TIMESTAMP.fullmatch(value):
            raise ValueError
        moment = datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]),
                          int(value[14:16]), int(value[17:19]), tzinfo=UTC)  # strptime's checks, 6x faster
    except ValueError:
        raise ValueError("must be a UTC time like 2026-01-05T09:00:00Z") from None
    if moment < EARLIEST:
        raise ValueError("must not be before 2000-01-01T00:00:00Z")
    if moment > datetime.now(UTC) + AHEAD:
        raise ValueError("must not be more than a day after the server's clock")
    return value


def canonical_id(value: object) -> object:
    """A record id in its one canonical form (trimmed, lower case), so every spelling of a
    UUID names the same record; anything else is left for the type check to refuse."""
    return value.strip().lower() if isinstance(value, str) else value


def _normalised(value: object) -> object:
    return normalise_id(value) if isinstance(value, str) else value


def _clean_id(value: str) -> str:
    problem = text_problem(value, joiners=False)
    if problem:
        raise ValueError(problem)
    return value


def _clean_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_clean_text)]
"""A typed line, such as the signature: no control or formatting characters either."""
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


class PersonBlock(Strict):
    """Who sent a record. The fields are the contract's ``PERSON_FIELDS`` (see :data:`Person`)."""

    def value(self, field_id: str) -> str | None:
        """One person field by its contract id."""
        value: str | None = getattr(self, field_id)
        return value


def _clean_email(value: str) -> str:
    problem = text_problem(value) or (email_problem(value) if value else None)
    if problem:
        raise ValueError(problem)
    return value


def _person_field(field: PersonField) -> tuple[Any, Any]:
    """A contract person field as a pydantic field: NFKC-normalised, trimmed text of at most
    ``max_length`` characters with no control or formatting character (none at all in the
    employee id), required (and not blank) or else optional."""
    clean = {"employee_id": _clean_id, "email": _clean_email}.get(field.id, _clean_text)
    text = Annotated[str, StringConstraints(min_length=int(field.required), max_length=field.max_length),
                     AfterValidator(clean), BeforeValidator(_normalised)]
    if field.required:
        return Annotated[text, Field(description=field.label)], ...
    return Annotated[text | None, Field(description=field.label)], None


if TYPE_CHECKING:
    Person = PersonBlock
else:
    Person = create_model("Person", __base__=PersonBlock,
                          **{field.id: _person_field(field) for field in PERSON_FIELDS})


class Record(Strict):
    format: RecordFormat
    id: Annotated[str, StringConstraints(min_length=36, max_length=36), BeforeValidator(canonical_id)]
    kind: RecordKind
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
        if not _UUID4.fullmatch(self.id):  # the one regular expression first: uuid.UUID is slow
            try:
                uuid.UUID(self.id)
            except ValueError:
                raise ValueError("id: not a UUID") from None
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
        return CANONICAL_JSON.encode(self.model_dump(mode="json"))


def _need(record: Record, what: str, fields: dict[str, Any]) -> None:
    # "" only for text: comparing a model with "" runs pydantic's slow __eq__
    missing = [name for name, value in fields.items()
               if value is None or (isinstance(value, str) and not value)]
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
