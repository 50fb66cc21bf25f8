"""``handbook remind``: who to email about what, the messages from their templates, and sending.

Built on the completion report (``handbook.records.report``): each person gets one message
listing what they still have to do (missing, outdated, failed, overdue, or a renewal due within
the lead days), each with a link to the exact page; a manager gets one message per person of
theirs overdue past ``escalate_after_days``. A reminder already sent to the same address about
the same requirement for the same reason within ``interval_days`` is left out
(``handbook.records.reminders``). Messages are text and HTML from ``site_templates/mail/``
(a project's own first), the HTML autoescaped.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import urljoin

import jinja2

from handbook.links import html_href, page_path
from handbook.models.handbook import ReminderSettings
from handbook.project import Project
from handbook.records.contract import normalise_employee_id
from handbook.records.html import what_is_needed
from handbook.records.reminders import ReminderKey, ReminderLog
from handbook.records.report import Report, StatusRow
from handbook.records.roster import Person
from handbook.strings import ENGLISH
from handbook.templatefiles import PageTemplates

USER_VARIABLE = "HANDBOOK_SMTP_USER"
PASSWORD_VARIABLE = "HANDBOOK_SMTP_PASSWORD"
TIMEOUT = 30.0


@dataclass(frozen=True)
class Item:
    """One thing a person has to do, why they are reminded, and the page that does it."""

    row: StatusRow
    reason: str
    link: str
    summary: str
    """What is needed, in the HR page's words ("Was due March 3, 2026 (20 days ago)")."""
    days_overdue: int = 0

    def key(self, to: str) -> ReminderKey:
        return ReminderKey(to.lower(), normalise_employee_id(self.row.person.employee_id),
                           self.row.requirement.id, self.reason)


@dataclass
class Reminder:
    """One email: to the person themselves (``escalation`` False) or to their manager."""

    to: str
    person: Person
    escalation: bool
    items: list[Item] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""

    def keys(self) -> list[ReminderKey]:
        return [item.key(self.to) for item in self.items]


def reason(row: StatusRow, settings: ReminderSettings, as_of: date) -> str | None:
    """Why this status row calls for a reminder, if it does."""
    if row.status != "complete":
        return row.status
    soon = row.requirement.renew_every_months and (row.due - as_of).days <= settings.lead_days
    return "renewal" if soon else None


def link(project: Project, row: StatusRow, settings: ReminderSettings) -> str:
    """The page that does what the row asks: the acknowledgement (showing what changed since the
    version the person read) or the quiz."""
    requirement = row.requirement
    if requirement.acknowledge:
        target = html_href(page_path("acknowledge", requirement.acknowledge))
        if row.status == "outdated" and row.read_version:
            target += f"?since={row.read_version}"
    else:
        target = html_href(page_path("quiz", requirement.pass_quiz))
    base = settings.site_url if settings.site_url.endswith("/") else settings.site_url + "/"
    return urljoin(base, target)


def plan(project: Project, report: Report, settings: ReminderSettings, log: ReminderLog) -> list[Reminder]:
    """The reminders to send as of the report's date, less those sent within the interval."""
    as_of = report.as_of
    reminders: dict[tuple[str, str, bool], Reminder] = {}

    def add(to: str, item: Item, escalation: bool) -> None:
        last = log.last_sent(item.key(to))
        if last is not None and (as_of - last).days < settings.interval_days:
            return
        slot = (to.lower(), item.row.person.employee_id, escalation)
        reminders.setdefault(slot, Reminder(to, item.row.person, escalation)).items.append(item)

    for row in report.rows:
        why = reason(row, settings, as_of)
        if why is None:
            continue
        late = (as_of - row.due).days if row.status == "overdue" else 0
        item = Item(row, why, link(project, row, settings), what_is_needed(row, as_of), late)
        if row.person.email:
            add(row.person.email, item, False)
        if late >= settings.escalate_after_days and row.person.manager_email:
            add(row.person.manager_email, replace(item, reason="escalation"), True)
    return list(reminders.values())


def mail_environment(project: Project) -> jinja2.Environment:
    """The mail templates, the project's first; HTML ones autoescaped, text ones as written."""
    env = jinja2.Environment(loader=PageTemplates(project.root, "mail"), undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=False),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["long_date"] = ENGLISH.long_date
    return env


def render(project: Project, reminders: list[Reminder], as_of: date) -> None:
    """Fill in each reminder's subject, text and HTML from the templates."""
    env = mail_environment(project)
    for reminder in reminders:
        name = "escalation" if reminder.escalation else "reminder"
        context = {"reminder": reminder, "person": reminder.person, "items": reminder.items, "as_of": as_of,
                   "organization": project.handbook.organization, "site_title": project.handbook.site_title}
        reminder.subject = " ".join(env.get_template(f"{name}.subject.j2").render(context).split())
        reminder.text = env.get_template(f"{name}.txt.j2").render(context)
        reminder.html = env.get_template(f"{name}.html.j2").render(context)


def message(reminder: Reminder, settings: ReminderSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.from_
    email["To"] = formataddr((reminder.person.name, reminder.to)) if not reminder.escalation else reminder.to
    email["Subject"] = reminder.subject
    email.set_content(reminder.text)
    email.add_alternative(reminder.html, subtype="html")
    return email


def send(reminders: list[Reminder], settings: ReminderSettings, log: ReminderLog, as_of: date,
         sent: Callable[[Reminder], None] = lambda reminder: None) -> None:
    """Send each reminder over one SMTP connection and note it in the log once the server took it.
    STARTTLS verifies the server's certificate with the system's trust store (or SSL_CERT_FILE)."""
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if user and password:
            smtp.login(user, password)
        for reminder in reminders:
            smtp.send_message(message(reminder, settings))
            log.record(reminder.keys(), as_of)
            sent(reminder)
