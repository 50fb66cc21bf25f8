"""Roles are declared once; everything else names them by id."""

from __future__ import annotations

from pydantic import Field

from handbook.models.base import Document, Id, Model, Text


class Role(Model):
    id: Id
    name: Text
    abbreviation: Text | None = None
    description: Text


class RolesFile(Document):
    roles: list[Role] = Field(min_length=1)
