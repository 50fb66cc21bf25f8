"""Who has done what they must: requirements x roster x stored records, as of a date.

Each person gets one row per requirement that applies to one of their roles, with a status:

- ``complete``: done for the current version (and, with renewal, recently enough);
- ``outdated``: acknowledged (or passed) only an earlier version;
- ``failed``: attempted the current quiz but never passed;
- ``overdue``: not done and the deadline (role_since, else hire date, + days; or the renewal date) has passed;
- ``missing``: not done yet, still within the deadline.

The date a record counts from is its ``submitted_at`` (the person's clock), so a receipt
imported weeks later still counts from the day it was made.
"""

from __future__ import annotations

import calendar
import difflib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from sqlite3 import Row

from handbook.history import current_refs, is_current
from handbook.models.requirements import Requirement
from handbook.project import Project
from handbook.records.contract import normalise_employee_id
from handbook.records.csv import write_rows
from handbook.records.roster import PERSON_COLUMNS, Person

STATUSES = ("complete", "missing", "outdated", "failed", "overdue")
STATUS_EXCEL_FILE = "status-excel.csv"
"""The status CSV with a UTF-8 byte-order mark, under its own name (never mistaken for the plain one)."""
COLUMNS = (*PERSON_COLUMNS, "requirement_id", "requirement", "status", "due_date", "completed_on", "detail")


@dataclass(frozen=True)
class Done:
    """One stored record, reduced to what requirements look at."""

    kind: str
    target: str
    version: str
    content_hash: str
    passed: bool | None
    on: date


@dataclass
class Stranger:
    """Records under an employee id the roster does not have."""

    employee_id: str
    names: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    records: int = 0
    last: date | None = None
    nearest: str | None = None
    """The most similar employee id on the roster (a typo's likely owner), if any is close."""

    def line(self) -> str:
        names = ", ".join(sorted(self.names))
        hint = f"; did you mean {self.nearest}?" if self.nearest else ""
        return f"not on the roster: employee id {self.employee_id} ({names}), {self.records} record(s){hint}"


@dataclass(frozen=True)
class StatusRow:
    person: Person
    requirement: Requirement
    status: str
    due: date
    completed: date | None
    detail: str
    read_version: str | None = None
    """The version the person acknowledged, when not the current one: ``outdated``, or complete
    through an editorial lineage."""

    def as_dict(self) -> dict[str, object]:
        person = {column: getattr(self.person, column) for column in PERSON_COLUMNS}
        return {
            **person, "roles": "; ".join(self.person.roles),
            "requirement_id": self.requirement.id, "requirement": self.requirement.title,
            "status": self.status, "due_date": self.due.isoformat(),
            "completed_on": self.completed.isoformat() if self.completed else None, "detail": self.detail,
        }


@dataclass
class Report:
    as_of: date
    rows: list[StatusRow]
    strangers: list[Stranger]

    def by_department(self) -> list[tuple[str, int, int]]:
        """(department, complete, total) for the chart, in name order."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in self.rows:
            totals[row.person.department][0] += row.status == "complete"
            totals[row.person.department][1] += 1
        return [(name, done, total) for name, (done, total) in sorted(totals.items())]

    def counts(self) -> dict[str, int]:
        return {status: sum(row.status == status for row in self.rows) for status in STATUSES}

    def to_act(self) -> list[StatusRow]:
        order = {status: i for i, status in enumerate(("overdue", "failed", "outdated", "missing"))}
        pending = [row for row in self.rows if row.status != "complete"]
        return sorted(pending, key=lambda r: (order[r.status], r.due, r.person.department, r.person.name))


def status_csv(report: Report, *, excel: bool = False) -> Iterator[str]:
    """The report as CSV (columns: ``COLUMNS``), cells neutralised like every export; ``excel``
    starts it with a byte-order mark (served as ``STATUS_EXCEL_FILE``)."""
    rows = ([row.as_dict()[name] for name in COLUMNS] for row in report.rows)
    return write_rows(COLUMNS, rows, excel=excel)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > date.max.year:
        return date.max  # a far-future record (stored before timestamps were checked) never breaks a report
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_of(row: Row) -> date:
    """The day a record was submitted; the day the service received it when the stored
    ``submitted_at`` is not a date (a row stored before timestamps were checked strictly)."""
    try:
        return date.fromisoformat(row["submitted_at"][:10])
    except (TypeError, ValueError):
        return date.fromisoformat(row["received_at"][:10])


def evidence(rows: Iterable[Row]) -> dict[str, list[Done]]:
    """Acknowledgements and quiz attempts per employee id, from the store's rows."""
    found: dict[str, list[Done]] = defaultdict(list)
    for row in rows:
        on = day_of(row)
        if row["kind"] == "acknowledgement":
            found[normalise_employee_id(row["employee_id"])].append(
                Done("policy", row["policy_id"], row["policy_version"], row["policy_hash"], True, on))
        if row["quiz_id"]:  # a quiz attempt, or the passing attempt an acknowledgement carries
            passed = None if row["passed"] is None else bool(row["passed"])
            attempt = Done("quiz", row["quiz_id"], row["quiz_version"], "", passed, on)
            found[normalise_employee_id(row["employee_id"])].append(attempt)
    return found


_LOOK_ALIKE = str.maketrans("OIL", "011")


def _look_alike(key: str) -> str:
    """Letters typed for digits they resemble (O for 0, I or L for 1) compare as the digits."""
    return key.translate(_LOOK_ALIKE)


def strangers(rows: Iterable[Row], roster_ids: Iterable[str]) -> list[Stranger]:
    """People with records whose id is on no roster row, each with the nearest roster id as a hint."""
    by_key = {normalise_employee_id(ident): ident for ident in roster_ids}
    found: dict[str, Stranger] = {}
    for row in rows:
        if normalise_employee_id(row["employee_id"]) in by_key:
            continue
        stranger = found.setdefault(row["employee_id"], Stranger(row["employee_id"]))
        stranger.names.add(row["name"])
        stranger.departments.add(row["department"])
        stranger.records += 1
        on = day_of(row)
        stranger.last = max(stranger.last or on, on)
    folded = {_look_alike(key): ident for key, ident in by_key.items()}
    for stranger in found.values():
        key = _look_alike(normalise_employee_id(stranger.employee_id))
        close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
        stranger.nearest = folded[close[0]] if close else None
    return sorted(found.values(), key=lambda s: s.employee_id)


def _current(project: Project, requirement: Requirement) -> tuple[str, str, str]:
    """(kind, target id, current version) and the hash a current record must carry."""
    if requirement.acknowledge:
        policy = project.policy(requirement.acknowledge)
        return "policy", policy.id, policy.version
    quiz = next(q for q in project.quizzes if q.id == requirement.pass_quiz)
    return "quiz", quiz.id, quiz.version


def status(project: Project, requirement: Requirement, person: Person, done: list[Done], as_of: date
           ) -> StatusRow:
    kind, target, version = _current(project, requirement)
    mine = [d for d in done if d.kind == kind and d.target == target]
    if kind == "policy":  # the current version, or an earlier one only editorial changes separate from it
        refs = current_refs(project.policy(target), project.history.get(target, []))
        current = [d for d in mine if is_current(refs, d.version, d.content_hash)]
    else:
        current = [d for d in mine if d.version == version]
    passes = [d for d in current if d.passed]
    due = person.deadlines_from + timedelta(days=requirement.within_days_of_hire)
    what = f"{kind} {target} version {version}"
    if passes:
        last = max(d.on for d in passes)
        newest = max(passes, key=lambda d: d.on).version
        read = newest if newest != version else None  # an earlier version, only editorial changes since
        what += f" (read version {read}; the changes since are editorial)" if read else ""
        if requirement.renew_every_months:
            renew = add_months(last, requirement.renew_every_months)
            if renew < as_of:
                return StatusRow(person, requirement, "overdue", renew, last, f"renewal of {what} was due")
            renewal = f"renew by {renew.isoformat()}"
            return StatusRow(person, requirement, "complete", renew, last, renewal, read)
        return StatusRow(person, requirement, "complete", due, last, what, read)
    if current:
        last = max(d.on for d in current)
        return StatusRow(person, requirement, "failed", due, None,
                         f"{len(current)} attempt(s) of {what}, none passed (last {last.isoformat()})")
    older = [d for d in mine if d.passed]
    if older:
        latest = max(older, key=lambda d: d.on)
        return StatusRow(person, requirement, "outdated", due, latest.on,
                         f"has version {latest.version}; current is {version}", latest.version)
    late = as_of > due
    return StatusRow(person, requirement, "overdue" if late else "missing", due, None,
                     f"{what} {'was' if late else 'is'} due {due.isoformat()}")


def build_report(project: Project, people: list[Person], stored: Iterable[Row], as_of: date) -> Report:
    """Status rows per person and requirement, plus the records of people not on the roster."""
    rows = list(_relevant(stored))
    done = evidence(rows)
    out = [
        status(project, requirement, person, done.get(normalise_employee_id(person.employee_id), []), as_of)
        for person in people
        for requirement in project.requirements_file.requirements
        if set(requirement.roles) & set(person.roles)
    ]
    return Report(as_of, out, strangers(rows, [p.employee_id for p in people]))


def _relevant(rows: Iterable[Row]) -> Iterator[Row]:
    """Only the columns a report reads, so a big store does not sit in memory with its bodies."""
    keep = ("kind", "employee_id", "name", "department", "policy_id", "policy_version", "policy_hash",
            "quiz_id", "quiz_version", "passed", "submitted_at", "received_at")
    for row in rows:
        yield {name: row[name] for name in keep}  # type: ignore[misc]
