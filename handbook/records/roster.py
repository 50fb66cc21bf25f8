"""The staff roster HR exports from its own system: who works here, in which roles, since when.

Every bad row is reported as ``roster.csv:line: message`` and skipped; the good rows still
make a report, so one typo does not hide everyone else's status.
"""

from __future__ import annotations

import csv
import re
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
OPTIONAL = ("role_since", "manager_email")
"""Columns a roster may have: the date the person took on their current role(s) (deadlines run
from it, falling back to ``hire_date``), and whom ``handbook remind`` tells when they are overdue."""
REQUIRED = tuple(_column(field) for field in contract.PERSON_FIELDS if field.required)
"""Columns that may not be empty in any row."""

ALIASES: dict[str, tuple[str, ...]] = {
    "employee_id": ("employee id", "employee number", "employee no", "emp id", "employee", "id",
                    "member id", "staff id", "person id"),
    "name": ("full name", "employee name", "display name"),
    "email": ("email address", "e-mail", "e-mail address", "work email", "mail"),
    "department": ("dept", "department name", "division", "board", "board/commission"),
    "roles": ("role", "role ids", "handbook roles"),
    "hire_date": ("hire date", "date of hire", "hired", "start date", "date hired"),
    "manager_email": ("manager email", "manager", "manager e-mail", "supervisor email", "supervisor"),
    "role_since": ("role since", "role start", "role start date", "in role since", "position start date",
                   "date in role"),
}
"""Headers HR systems use for each column, compared case-insensitively with spaces, dashes and
underscores alike ("Employee ID", "EMPLOYEE_ID" and "employee-id" are all ``employee_id``)."""


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower()).strip()


_BY_HEADER = {_header_key(alias): column for column, aliases in ALIASES.items()
              for alias in (column, *aliases)}
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` or the US ``MM/DD/YYYY`` (as Excel and most HR systems write it)."""
    us = _US_DATE.fullmatch(text)
    if us:
        return date(int(us[3]), int(us[1]), int(us[2]))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


@dataclass(frozen=True)
class Person:
    line: int
    employee_id: str
    name: str
    email: str
    department: str
    roles: tuple[str, ...]
    hire_date: date
    role_since: date | None = None
    manager_email: str = ""

    @property
    def deadlines_from(self) -> date:
        """The day deadlines count from: taking on the role, else being hired."""
        return self.role_since or self.hire_date


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
    header = [_BY_HEADER.get(_header_key(name), name.strip()) for name in reader.fieldnames or []]
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
                seen[contract.normalise_employee_id(person.employee_id)] = person.line
                people.append(person)
    except csv.Error as error:
        problems.append(f"{display}:{reader.line_num}: {error}")
    return people, problems


def _person(line: int, row: dict[str, str], role_ids: set[str], seen: dict[str, int]
            ) -> tuple[Person | None, list[str]]:
    if "\0extra" in row:
        return None, ["more fields than the header has columns (a comma in a name needs quotes)"]
    values = {column: (row.get(column) or "").strip() for column in (*COLUMNS, *OPTIONAL)}
    if not any(values.values()):
        return None, []  # a blank line
    problems = [f"{column} is empty" for column in REQUIRED if not values[column]]
    ident = values["employee_id"]
    earlier = seen.get(contract.normalise_employee_id(ident))
    if earlier is not None:
        problems.append(f"employee_id '{ident}' is already on line {earlier}")
    roles = tuple(role.strip() for role in values["roles"].split(";") if role.strip())
    problems += [f"unknown role '{role}'; known: {', '.join(sorted(role_ids))}"
                 for role in roles if role not in role_ids]
    dates: dict[str, date | None] = {}
    for column in ("hire_date", "role_since"):
        if column == "role_since" and not values[column]:
            dates[column] = None
            continue
        try:
            dates[column] = parse_date(values[column])
        except ValueError:
            problems.append(f"{column} '{values[column]}' is not a date (YYYY-MM-DD or MM/DD/YYYY)")
    if problems:
        return None, problems
    hired = dates["hire_date"]
    assert hired is not None
    person = Person(line, values["employee_id"], values["name"], values["email"], values["department"],
                    roles, hired, dates["role_since"], values["manager_email"])
    return person, []
