"""A role's checklist: concrete steps, each citing the clauses it comes from.

Items are grouped into sections (``Before you start``, ``Every day``...). The browser keeps
ticks per checklist id and version, so raising ``version`` starts everyone afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field

from handbook.models.base import Document, Id, Model, Text

EMPTY_CHECKLIST = "a checklist needs at least one item"

T = TypeVar("T")


def _not_empty(values: list[T]) -> list[T]:
    """An empty section or checklist says what is missing, not pydantic's "too short"."""
    if not values:
        raise ValueError(EMPTY_CHECKLIST)
    return values


class ChecklistItem(Model):
    id: Id = Field(description="Unique within the checklist; it keys the tick a browser remembers.")
    text: Text = Field(description="The action, true to the clauses it cites.")
    note: Text | None = Field(default=None, description="How to do it in practice; shown under the action.")
    cites: list[Id] = Field(min_length=1, description="Clause ids of the checklist's policy.")


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
