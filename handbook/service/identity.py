"""Who is acting: the one place the service decides which person a request speaks for.

Today identity is self-asserted: the person block the page sends, with the employee id
normalised so "e 100" and "E100" are one person. Sign-in (issue 13) replaces
:func:`acting_person` with the signed-in person; everything bound to a person (exam attempts,
their limits) asks here.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import ValidationError

from handbook.project import Project
from handbook.records.errors import InvalidRecord, UnknownReference
from handbook.records.model import Person, error_messages


def employee_key(employee_id: str) -> str:
    """An employee id as one person: compatibility-folded, without spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", employee_id).split()).upper()


def acting_person(project: Project, body: Any) -> dict[str, Any]:
    """The person block of ``body`` (``{"person": {...}}``), checked as a record's, its
    employee id normalised; :class:`InvalidRecord` says what is wrong."""
    data = body.get("person") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise InvalidRecord("person: send the person block (employee_id, name, ...) as an object")
    try:
        person = Person.model_validate(data)
    except ValidationError as error:
        raise InvalidRecord([f"person.{line}" for line in error_messages(error)]) from None
    found = person.model_dump()
    found["employee_id"] = employee_key(found["employee_id"])
    if not found["employee_id"]:
        raise InvalidRecord("person.employee_id: enter your employee or member ID")
    if found["role"] not in {role.id for role in project.roles}:
        raise UnknownReference(f"person.role: unknown role '{found['role']}'")
    return found


def acting_employee(body: Any) -> str:
    """The employee id a submission speaks for, normalised."""
    value = body.get("employee_id") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord("employee_id: send the employee id of the person answering")
    return employee_key(value)
