"""A role's checklist: concrete steps, each citing the clauses it comes from.

Items are grouped into sections (``Before you start``, ``Every day``...). The browser keeps
ticks per checklist id and version, so raising ``version`` starts everyone afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Discriminator, Field, Tag

from handbook.models.base import Document, Id, Model, Text
from handbook.models.grounds import Grounded, Note

EMPTY_CHECKLIST = "a checklist needs at least one item"

T = TypeVar("T")


def _not_empty(values: list[T]) -> list[T]:
    """An empty section or checklist says what is missing, not pydantic's "too short"."""
    if not values:
        raise ValueError(EMPTY_CHECKLIST)
    return values


def _note_kind(value: object) -> str:
    return "#note" if isinstance(value, dict | Note) else "#text"


ItemNote = Annotated[Annotated[Text, Tag("#text")] | Annotated[Note, Tag("#note")], Discriminator(_note_kind)]
"""A plain note (it stands on the item's citations), or one that says what it stands on: the
message about a bad note then names that one shape, not both."""


class ChecklistItem(Grounded):
    """An action: true to the clauses it cites, or marked as the organisation's practice."""

    id: Id = Field(description="Unique within the checklist; it keys the tick a browser remembers.")
    text: Text = Field(description="The action, true to the clauses it cites.")
    note: ItemNote | None = Field(
        default=None, description="Shown under the action: text that stands on the item's citations, or "
        "{text, practice: true} for the organisation's practice (or {text, cites}).")

    @property
    def note_text(self) -> str | None:
        return self.note.text if isinstance(self.note, Note) else self.note

    @property
    def note_cites(self) -> list[str]:
        return self.note.cites if isinstance(self.note, Note) else []

    @property
    def note_is_practice(self) -> bool:
        return isinstance(self.note, Note) and self.note.practice


class ChecklistSection(Model):
    title: Text
    items: Annotated[list[ChecklistItem], AfterValidator(_not_empty)]


class Checklist(Document):
    id: Id = Field(description="Page address and link target: checklist:<id>.")
    policy: Id = Field(description="The policy whose clauses the items cite.")
    role: Id = Field(description="The role who works through this checklist.")
    version: Text = Field(description="Raise it when items change: browsers then forget old ticks.")
    title: Text
    intro: Text | None = None
    sections: Annotated[list[ChecklistSection], AfterValidator(_not_empty)]

    def items(self) -> Iterator[tuple[ChecklistItem, tuple[str | int, ...]]]:
        """Every item in order, with its location in the source file."""
        for i, section in enumerate(self.sections):
            for j, item in enumerate(section.items):
                yield item, ("sections", i, "items", j)
