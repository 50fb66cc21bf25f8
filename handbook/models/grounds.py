"""What a piece of training content stands on: the clauses it cites, or the organisation's practice.

Checklists, forms and notes tell people what to do. Some of it is a policy's words (cited
clauses); some is how the organisation carries a policy out (its forms, routing, tools,
deadlines). A page must never pass the second off as the first, so each piece says which it is,
and one that does neither is refused.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from handbook.models.base import Id, Model, Text

PRACTICE_RULE = (
    "cite the clauses this comes from (cites: [...]) or mark it as the organisation's practice "
    "(practice: true)"
)


class Grounded(Model):
    """Cites clauses of its document's policy, or is marked as practice, or both."""

    cites: list[Id] = Field(default_factory=list, description="Clause ids of the document's policy.")
    practice: bool = Field(default=False, description="The organisation's practice, not a policy's words: "
                           "shown with the practice label (e.g. Town practice).")

    @model_validator(mode="after")
    def _grounded(self) -> Grounded:
        if not (self.cites or self.practice):
            raise ValueError(PRACTICE_RULE)
        return self


class Note(Grounded):
    """A note that stands on its own citations, or is the organisation's practice."""

    text: Text
