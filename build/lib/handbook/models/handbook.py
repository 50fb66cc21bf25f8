"""The handbook file: who the organisation is, how the site is titled, who to ask."""

from __future__ import annotations

from pydantic import Field

from handbook.models.base import Document, Id, Model, Text


class Contact(Model):
    title: Text
    role: Id | None = None
    name: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    ask_about: Text | None = None


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


class HandbookFile(Document):
    organization: Text
    site_title: Text
    site_description: Text | None = None
    contacts: list[Contact] = Field(default_factory=list)
    audiences: list[Audience] = Field(default_factory=list)
    records: RecordsSettings = Field(default_factory=RecordsSettings)
