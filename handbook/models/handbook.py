"""The handbook file: who the organisation is, how the site is titled, who to ask."""

from __future__ import annotations

import re

from pydantic import Field

from handbook.models.base import Document, Id, Model, Text

_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\\\"]+@[^\s@<>()\[\],;:\\\"]+\.[^\s@<>()\[\],;:\\\".]+$")
_EXTENSION = re.compile(r"\s*(?:ext\.?|x)\s*", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-/]{2,30}(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)


class Contact(Model):
    """Who to ask about what; the home page links the email and phone when they look like ones."""

    title: Text
    role: Id | None = None
    name: Text | None = Field(default=None, description="The person's name, e.g. Jordan Smith.")
    email: Text | None = Field(default=None, description="A work email address, e.g. jsmith@example.org.")
    phone: Text | None = Field(default=None, description="A number as dialled, e.g. 860-652-7500 ext. 123.")
    ask_about: Text | None = None

    @property
    def email_href(self) -> str:
        """A ``mailto:`` target when ``email`` looks like one address; "" (shown as text) otherwise."""
        return f"mailto:{self.email}" if self.email and _EMAIL.match(self.email) else ""

    @property
    def phone_href(self) -> str:
        """A ``tel:`` target (digits, a leading +, an extension after a comma) when ``phone``
        looks like a number people dial; "" (shown as text) otherwise."""
        if not self.phone or not _PHONE.match(self.phone):
            return ""
        number, *extension = _EXTENSION.split(self.phone, maxsplit=1)
        digits = re.sub(r"[^0-9+]", "", number)
        return f"tel:{digits},{extension[0]}" if extension else f"tel:{digits}"


class Step(Model):
    """One step on an audience's path; ``link`` names a page (``policy:<policy id>``, ``role:<role
    id>``, ``glossary``...) or another site (``https://...``)."""

    text: Text
    link: Text
    practice: bool = Field(default=False, description="The step is the organisation's practice, not a "
                           "policy's words: shown with the practice label.")


class Audience(Model):
    id: Id
    title: Text
    summary: Text
    roles: list[Id] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)


class RecordsSettings(Model):
    """Where the site sends records. Without an endpoint, people download a receipt instead."""

    endpoint: Text | None = None
    allowed_origins: list[Text] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(default=600, ge=1)


class Wording(Model):
    """The organisation's own words for what the handbook names; left out, neutral words are used."""

    practice: Text | None = Field(default=None, description="The label on the organisation's practice "
                                  "(what it does to carry a policy out), e.g. Town practice.")
    person_id: Text | None = Field(default=None, description="The label of the person's id on every record, "
                                   "e.g. Employee or member ID.")
    department: Text | None = Field(default=None, description="The label of the person's department, e.g. "
                                    "Department, division or board/commission.")
    credentials_holder: Text | None = Field(default=None, description="Who keeps account credentials, e.g. "
                                            "the IT owner.")
    credentials_store: Text | None = Field(default=None, description="Where credentials are kept, e.g. the "
                                           "password vault.")


class ReminderSettings(Model):
    """How ``handbook remind`` emails people. The SMTP user name and password come from the
    environment only (HANDBOOK_SMTP_USER, HANDBOOK_SMTP_PASSWORD), never from this file."""

    site_url: Text = Field(description="Where people open the handbook, e.g. https://handbook.example.org/.")
    host: Text = Field(default="localhost", description="The SMTP server.")
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS before sending.")
    from_: Text = Field(alias="from", description="The sender, e.g. Handbook <handbook@example.org>.")
    lead_days: int = Field(default=14, ge=0, le=365, description="Remind of a renewal this many days ahead.")
    escalate_after_days: int = Field(
        default=14, ge=1, le=365, description="Tell the manager too once this many days overdue.")
    interval_days: int = Field(
        default=7, ge=1, le=365, description="Send one reminder again only after this many days.")


class HandbookFile(Document):
    organization: Text
    site_title: Text
    site_description: Text | None = None
    contacts: list[Contact] = Field(default_factory=list)
    audiences: list[Audience] = Field(default_factory=list)
    records: RecordsSettings = Field(default_factory=RecordsSettings)
    wording: Wording = Field(default_factory=Wording)
    reminders: ReminderSettings | None = None
