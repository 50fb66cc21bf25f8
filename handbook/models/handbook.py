"""The handbook file: who the organisation is, how the site is titled, who to ask."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from handbook.models.base import Document, Id, Model, Text
from handbook.models.engine import Engine as Engine  # where the models and build code name it

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


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CALLBACK_PATH = "/auth/callback"


def _web_address(value: str) -> str:
    """An https address (plain http only on this machine, for trying sign-in out): tokens and
    the client secret never cross a network in the clear."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return value
    raise ValueError(f"'{value}' must be an https:// address (http:// only for 127.0.0.1 or localhost)")


def _callback(value: str) -> str:
    if urlsplit(value).path != CALLBACK_PATH or urlsplit(value).query:
        raise ValueError(f"the redirect URL is this service's address followed by {CALLBACK_PATH}, "
                         f"e.g. https://handbook.example.org{CALLBACK_PATH}")
    return value


def _variable_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(f"'{value}' is not an environment variable name (letters, digits and _), "
                         "e.g. HANDBOOK_SECRET")
    return value


WebAddress = Annotated[Text, AfterValidator(_web_address)]
VariableName = Annotated[Text, AfterValidator(_variable_name)]
"""The name of an environment variable a secret is read from: the secret never lives in a file."""


class ClaimMap(Model):
    """Which claim of the provider's ID token (or user info) holds each person field."""

    employee_id: Text = Field(default="preferred_username",
                              description="e.g. employeeid (Entra optional claim) or email (Google).")
    name: Text = "name"
    email: Text = "email"


class HrMembers(Model):
    """Who is HR when signed in: anyone whose ``group_claim`` lists one of ``groups``, or
    whose email is one of ``emails``."""

    group_claim: Text = "groups"
    groups: list[Text] = Field(default_factory=list)
    emails: list[Text] = Field(default_factory=list)


class SignInSettings(Model):
    """Sign-in through the organisation's OpenID Connect provider (README, "Sign-in").

    The client secret never lives in this file: ``client_secret_env`` names the environment
    variable ``handbook serve`` reads it from."""

    issuer: WebAddress = Field(
        description="The provider's issuer URL, e.g. https://login.microsoftonline.com/TENANT/v2.0.")
    client_id: Text
    client_secret_env: VariableName = "HANDBOOK_OIDC_SECRET"
    redirect_url: Annotated[WebAddress, AfterValidator(_callback)] = Field(
        description="This service's callback as registered: https://HOST/auth/callback.")
    scopes: list[Text] = Field(default_factory=lambda: ["openid", "profile", "email"])
    claims: ClaimMap = Field(default_factory=ClaimMap)
    hr: HrMembers = Field(default_factory=HrMembers)
    exams_require_sign_in: bool = True
    clock_skew_seconds: int = Field(default=60, ge=0, le=300)


class LrsSettings(Model):
    """Where stored records are forwarded as xAPI statements (optional; LMS.md, "xAPI")."""

    endpoint: Text = Field(description="The LRS's xAPI base, e.g. https://lrs.example.org/xAPI/.")
    account_home_page: Text = Field(
        description="The home page of the system employee ids belong to (the xAPI actor's account).")
    activity_base: Text = Field(default="urn:handbook:",
                                description="Prefix of policy and quiz activity ids.")
    username_env: VariableName = Field(default="HANDBOOK_LRS_USERNAME",
                               description="Environment variable holding the LRS user (never the file).")
    password_env: VariableName = Field(default="HANDBOOK_LRS_PASSWORD",
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
    wording: Wording = Field(default_factory=Wording)
    reminders: ReminderSettings | None = None
    sign_in: SignInSettings | None = None
    engine: Engine = Field(
        default="mkdocs", description="What builds the site: mkdocs (Material for MkDocs) or zensical "
                                      "(its successor); `handbook build --engine` overrides it.")
    lrs: LrsSettings | None = None
