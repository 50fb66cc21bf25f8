"""HR's HTML pages from one Jinja environment: the completion report (one self-contained page,
no scripts, nothing from elsewhere) and the sign-in page, both in the handbook site's look
(``_hr_base.html.j2``) and with dates in words."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import jinja2

from handbook.models.requirements import Requirement
from handbook.palette import DEFAULT, Look, look
from handbook.records.report import STATUSES, Report, StatusRow
from handbook.resources import hr_templates
from handbook.strings import ENGLISH

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(hr_templates()), autoescape=True, undefined=jinja2.StrictUndefined
)
_environment.globals["long_date"] = ENGLISH.long_date

SITE_HOME = "/"
"""Where the service serves the handbook site, beside /hr."""


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def what_is_needed(row: StatusRow, as_of: date) -> str:
    """One status row in words HR reads at a glance (the CSV keeps the terse ``detail``)."""
    due, left = ENGLISH.long_date(row.due), (row.due - as_of).days
    done = ENGLISH.long_date(row.completed) if row.completed else ""
    if row.status == "complete":
        done += f" (version {row.read_version}; editorial changes since)" if row.read_version else ""
        return f"Done on {done}; renew by {due}" if row.requirement.renew_every_months else f"Done on {done}"
    if row.status == "outdated":
        return f"Done on {done} for an earlier version; the current version is needed (due {due})"
    if row.status == "failed":
        return f"Tried but not passed yet; {'was due' if left < 0 else 'due'} {due}"
    if row.status == "overdue":
        return f"Was due {due} ({_days(-left)} ago)"
    return f"Due by {due} ({_days(left)} left)" if left > 0 else f"Due today, {due}"


def by_requirement(report: Report) -> list[tuple[Requirement, dict[str, int], int]]:
    """(requirement, people per status, people) in the order the requirements file lists them."""
    seen: dict[str, tuple[Requirement, Counter[str]]] = {}
    for row in report.rows:
        seen.setdefault(row.requirement.id, (row.requirement, Counter()))[1][row.status] += 1
    return [(requirement, {status: counts[status] for status in STATUSES}, sum(counts.values()))
            for requirement, counts in seen.values()]


INDIGO = look(DEFAULT)


def render_report(report: Report | None, title: str, **extra: Any) -> str:
    """The report page; ``extra`` adds what the live /hr page shows (downloads, totals, the
    site's title and address for the header) and the site's ``look``."""
    as_of = report.as_of if report else date.fromisoformat(extra.get("as_of") or date.today().isoformat())
    views: dict[str, Any] = {"to_act": [], "complete": [], "by_requirement": []}
    if report:
        complete = sorted((row for row in report.rows if row.status == "complete"),
                          key=lambda r: (r.person.department, r.person.name, r.requirement.title))
        views = {"to_act": [(row, what_is_needed(row, as_of)) for row in report.to_act()],
                 "complete": [(row, what_is_needed(row, as_of)) for row in complete],
                 "by_requirement": by_requirement(report)}
    context = {"report": report, "title": title, "live": False, "generated": None, "totals": None,
               "exports": (), "no_report": "", "as_of": "", "roster_problems": (), "csrf": "",
               "signed_in": "", "site_title": title, "home_href": "", "statuses": STATUSES, "reviews": (),
               "as_of_words": ENGLISH.long_date(as_of), "look": INDIGO, **views, **extra}
    return _environment.get_template("report.html.j2").render(context)


def render_login(title: str, message: str, error: bool, enabled: bool, csrf: str = "",
                 sign_in_href: str = "", look: Look = INDIGO) -> str:
    """The HR sign-in page: a form that POSTs the token (never a link that carries it), and
    the organisation's sign-in when it is configured (``sign_in_href``)."""
    context = {"title": title, "site_title": title, "home_href": SITE_HOME, "message": message,
               "error": error, "enabled": enabled, "csrf": csrf, "sign_in_href": sign_in_href, "look": look}
    return _environment.get_template("login.html.j2").render(context)


def render_signin_error(title: str, message: str, retry_href: str, look: Look = INDIGO) -> str:
    """The page a refused OpenID sign-in ends on: what went wrong, in words, and a way on."""
    context = {"title": title, "site_title": title, "home_href": SITE_HOME, "message": message,
               "retry_href": retry_href, "look": look}
    return _environment.get_template("signin_error.html.j2").render(context)
