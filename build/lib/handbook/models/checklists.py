"""A role's checklist: concrete steps, each citing the clauses it comes from.

Items are grouped into sections (``Before you start``, ``Every day``...). The browser keeps
ticks per checklist id and version, so raising ``version`` starts everyone afresh.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, field_validator

from handbook.models.base import Document, Id, Model, Text

EMPTY_CHECKLIST = "a checklist needs at least one item"


class ChecklistItem(Model):
    id: Id = Field(description="Unique within the checklist; it keys the tick a browser remembers.")
    text: Text = Field(description="The action, true to the clauses it cites.")
    note: Text | None = Field(default=None, description="How to do it in practice; shown under the action.")
    cites: list[Id] = Field(min_length=1, description="Clause ids of the checklist's policy.")


class ChecklistSection(Model):
    title: Text
    items: list[ChecklistItem]

    @field_validator("items")
    @classmethod
    def _not_empty(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        if not items:
            raise ValueError(EMPTY_CHECKLIST)
        return items


class Checklist(Document):
    id: Id = Field(description="Page address and link target: checklist:<id>.")
    policy: Id = Field(description="The policy whose clauses the items cite.")
    role: Id = Field(description="The role who works through this checklist.")
    version: Text = Field(description="Raise it when items change: browsers then forget old ticks.")
    title: Text
    intro: Text | None = None
    sections: list[ChecklistSection]

    @field_validator("sections")
    @classmethod
    def _not_empty(cls, sections: list[ChecklistSection]) -> list[ChecklistSection]:
        if not sections:
            raise ValueError(EMPTY_CHECKLIST)
        return sections

    def items(self) -> Iterator[tuple[ChecklistItem, tuple[str | int, ...]]]:
        """Every item in order, with its location in the source file."""
        for i, section in enumerate(self.sections):
            for j, item in enumerate(section.items):
                yield item, ("sections", i, "items", j)
