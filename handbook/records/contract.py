"""The record contract, declared once: the format id, the record kinds, the person block, the
receipt file name and the export columns.

Everything else derives from this module: the pydantic ``Record`` model's person fields, the
store's columns, the CSV exports, the server's checks and the browser's page data (through
:func:`browser_contract`). Change a person field here and the form, the quiz, the
acknowledgement, the store and the CSV all follow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal, NamedTuple, get_args

RecordFormat = Literal["handbook-record/1"]
FORMAT: Final[str] = get_args(RecordFormat)[0]
"""The format id every record and receipt carries."""

RecordKind = Literal["acknowledgement", "quiz-attempt", "form"]
KINDS: tuple[RecordKind, ...] = get_args(RecordKind)


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Full name" -> "full name", "ID number" stays."""
    return label if label[1:2].isupper() else f"{label[:1].lower()}{label[1:]}"


@dataclass(frozen=True)
class PersonField:
    """One field of the person block: who is sending a record."""

    id: str
    label: str
    required: bool
    autocomplete: str
    max_length: int = 200
    input: Literal["text", "email", "role"] = "text"
    """``role`` is a choice of the handbook's roles (a form narrows it to who files it)."""
    export_order: int = field(kw_only=True)
    """Its place among the person columns of every CSV export (HR's spreadsheets read by place)."""

    @property
    def missing(self) -> str:
        """The message shown when a required field is left empty."""
        verb = "Choose" if self.input == "role" else "Enter"
        return f"{verb} your {in_sentence(self.label)}."


PERSON_FIELDS: tuple[PersonField, ...] = (
    PersonField("employee_id", "ID number", True, "off", export_order=0),
    PersonField("name", "Full name", True, "name", export_order=1),
    PersonField("department", "Department", True, "organization", export_order=3),
    PersonField("role", "Role", True, "off", 120, "role", export_order=4),
    PersonField("email", "Work email", False, "email", 200, "email", export_order=2),
)
"""The person block of every record, in the order the pages ask for it. The labels are neutral:
pages show the string table's, which a handbook's ``wording`` may name its own way."""

PERSON_IDS: tuple[str, ...] = tuple(field.id for field in PERSON_FIELDS)

PERSON_COLUMNS: tuple[str, ...] = tuple(
    field.id for field in sorted(PERSON_FIELDS, key=lambda field: field.export_order))
"""The person fields in the order every CSV export has them."""

_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def receipt_name(kind: str, policy_id: str, employee_id: str, submitted_at: str, record_id: str,
                 extension: str = "json") -> str:
    """The one rule for a receipt's file name: kind, policy, person, day and the record's id,
    so two receipts of one person on one day never overwrite each other."""
    who = _UNSAFE_IN_FILE_NAME.sub("-", employee_id).strip("-") or "unknown"
    return f"{kind}-{policy_id}-{who}-{submitted_at[:10]}-{record_id[:8]}.{extension}"


def browser_contract() -> dict[str, Any]:
    """What the browser's ``records.js`` needs of the contract, handed to pages as page data."""
    return {
        "format": FORMAT,
        "kinds": list(KINDS),
        "person": [{**asdict(field), "missing": field.missing} for field in PERSON_FIELDS],
        "receipt": {"unsafe": _UNSAFE_IN_FILE_NAME.pattern, "id_chars": 8},
        "exports": {name: list(export.columns) for name, export in EXPORTS.items()},
    }


@dataclass(frozen=True)
class Export:
    """One CSV export: the record kind it holds and its columns, in order (RECORDS.md)."""

    name: str
    kind: RecordKind
    columns: tuple[str, ...]


RECORD_EXTRA: tuple[str, ...] = ("submitted_on", "identity", "void_reason")
"""Columns appended to every record export: the submission date alone (for spreadsheets that
sort and filter by day), how identity was established, and why a record is void (only exports
asked to include voided records have any)."""

IDENTITIES: tuple[str, ...] = ("self-asserted", "signed-in", "oidc")
"""How a record's person was established: typed by them, or from the organisation's sign-in
(``oidc``: its OpenID Connect provider; "signed-in" is not written by this version)."""

IDENTITY_EXTRA: tuple[str, ...] = ("identity_issuer", "identity_subject")
"""Columns appended after every export's others: for a signed-in record, the provider that
confirmed the person (its issuer URL) and who they are there (its subject); empty otherwise."""


class SignedInAs(NamedTuple):
    """How sign-in established a record's person: the method, the provider's issuer and the
    person's subject there (stable for that person at that provider)."""

    method: str
    issuer: str
    subject: str

EXPORTS: dict[str, Export] = {
    export.name: export
    for export in (
        Export("acknowledgements", "acknowledgement", (
            "record_id", "received_at", "submitted_at", *PERSON_COLUMNS, "policy_id", "policy_version",
            "policy_hash", "statement", "signature", "quiz_id", "quiz_version", "score", "passed", "source",
            *RECORD_EXTRA, *IDENTITY_EXTRA,
        )),
        Export("quiz-attempts", "quiz-attempt", (
            "record_id", "received_at", "started_at", "submitted_at", *PERSON_COLUMNS, "policy_id",
            "policy_version", "quiz_id", "quiz_version", "attempt", "score", "pass_mark", "passed",
            "client_score", "score_mismatch", "questions", "answers", "source",
            *RECORD_EXTRA, "answer_labels", *IDENTITY_EXTRA,
        )),
        Export("forms", "form", (
            "record_id", "received_at", "submitted_at", *PERSON_COLUMNS, "policy_id", "policy_version",
            "form_id", "form_version", "field_id", "answer", "source",
            *RECORD_EXTRA, "answer_id", *IDENTITY_EXTRA,
        )),
    )
}
"""Export name -> what it holds. Never reorder columns: HR's spreadsheets read them by place."""


def normalise_employee_id(value: str) -> str:
    """The one comparable form of an employee id, used by the roster, the report and intake:
    Unicode NFKC, surrounding and inner spaces removed, upper case (``" e 1001 "`` is ``E1001``)."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()
