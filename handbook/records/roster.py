"""The staff roster HR exports from its own system: who works here, in which roles, since when.

Every bad row is reported as ``roster.csv:line: message`` and skipped; the good rows still
make a report, so one typo does not hide everyone else's status.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from handbook.records import contract


def _column(field: contract.PersonField) -> str:
    """A person field's roster column; the role is ``roles`` there, since one may hold several."""
    return "roles" if field.input == "role" else field.id


_FIELDS = {field.id: field for field in contract.PERSON_FIELDS}
PERSON_COLUMNS = tuple(_column(_FIELDS[name]) for name in contract.PERSON_COLUMNS)
"""The record's person fields as roster columns, in the exports' order."""
COLUMNS = (*PERSON_COLUMNS, "hire_date")
REQUIRED = tuple(_column(field) for field in contract.PERSON_FIELDS if field.required)
"""Columns that may not be empty in any row."""


@dataclass(frozen=True)
class Person:
    line: int
    employee_id: str
    name: str
    email: str
    department: str
    roles: tuple[str, ...]
    hire_date: date


def read_roster(path: Path, role_ids: set[str], display: str | None = None) -> tuple[list[Person], list[str]]:
    """People from a roster CSV (UTF-8, an Excel BOM is fine) and one line per bad row."""
    display = display or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return [], [f"{display}:1: cannot read: {error.strerror}"]
    except UnicodeDecodeError:
        return [], [f"{display}:1: not UTF-8 text; save the roster as CSV UTF-8"]
    reader = csv.DictReader(text.splitlines(keepends=True), restkey="\0extra")
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        return [], [f"{display}:1: missing column(s) {', '.join(missing)}; need {', '.join(COLUMNS)}"]
    reader.fieldnames = header
    people: list[Person] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            person, messages = _person(reader.line_num, row, role_ids, seen)
            problems += [f"{display}:{reader.line_num}: {message}" for message in messages]
            if person:
                seen[person.employee_id] = person.line
                people.append(person)
    except csv.Error as error:
        problems.append(f"{display}:{reader.line_num}: {error}")
    return people, problems


def _person(line: int, row: dict[str, str], role_ids: set[str], seen: dict[str, int]
            ) -> tuple[Person | None, list[str]]:
    if "\0extra" in row:
        return None, ["more fields than the header has columns (a comma in a name needs quotes)"]
    values = {column: (row.get(column) or "").strip() for column in COLUMNS}
    if not any(values.values()):
        return None, []  # a blank line
    problems = [f"{column} is empty" for column in REQUIRED if not values[column]]
    ident = values["employee_id"]
    if ident in seen:
        problems.append(f"employee_id '{ident}' is already on line {seen[ident]}")
    roles = tuple(role.strip() for role in values["roles"].split(";") if role.strip())
    problems += [f"unknown role '{role}'; known: {', '.join(sorted(role_ids))}"
                 for role in roles if role not in role_ids]
    try:
        hired = date.fromisoformat(values["hire_date"])
    except ValueError:
        problems.append(f"hire_date '{values['hire_date']}' is not a date (YYYY-MM-DD)")
    if problems:
        return None, problems
    person = Person(line, values["employee_id"], values["name"], values["email"], values["department"],
                    roles, hired)
    return person, []
