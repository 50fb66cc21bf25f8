"""The handbook file: who the organisation is, how the site is titled, who to ask."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from handbook.models.base import Document, Id, Model, Text

Engine = Literal["mkdocs", "zensical"]
"""What builds the site: Material for MkDocs, or Zensical (its successor, by the same team)."""

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
    """One step on an audience's path; ``link`` names a page, e.g. ``policy:admin-policy-6``."""

    text: Text
    link: Text


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


class LrsSettings(Model):
    """Where stored records are forwarded as xAPI statements (optional; LMS.md, "xAPI")."""

    endpoint: Text = Field(description="The LRS's xAPI base, e.g. https://lrs.example.org/xAPI/.")
    account_home_page: Text = Field(
        description="The home page of the system employee ids belong to (the xAPI actor's account).")
    activity_base: Text = Field(default="urn:handbook:",
                                description="Prefix of policy and quiz activity ids.")
    username_env: Text = Field(default="HANDBOOK_LRS_USERNAME",
                               description="Environment variable holding the LRS user (never the file).")
    password_env: Text = Field(default="HANDBOOK_LRS_PASSWORD",
                               description="Environment variable holding the LRS password.")
    retry_seconds: int = Field(default=60, ge=1, le=3600, description="First wait after a refusal; doubles.")
    timeout_seconds: float = Field(default=10, gt=0, le=120)


class HandbookFile(Document):
    organization: Text
    site_title: Text
    site_description: Text | None = None
    contacts: list[Contact] = Field(default_factory=list)
    audiences: list[Audience] = Field(default_factory=list)
    records: RecordsSettings = Field(default_factory=RecordsSettings)
    engine: Engine = Field(
        default="mkdocs", description="What builds the site: mkdocs (Material for MkDocs) or zensical "
                                      "(its successor); `handbook build --engine` overrides it.")
    lrs: LrsSettings | None = None
