"""Requirements: which roles must acknowledge which policy or pass which quiz, and by when.

HR's completion report (``handbook report``) is computed from these and a staff roster.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from handbook.models.base import Document, Id, Model, Text


class Requirement(Model):
    """One duty of everyone holding any of ``roles``: acknowledge a policy or pass a quiz."""

    id: Id
    title: Text
    roles: list[Id] = Field(min_length=1, description="Role ids; a person with any of them must comply.")
    acknowledge: Id | None = Field(default=None, description="Policy id; its current version is due.")
    pass_quiz: Id | None = Field(default=None, description="Quiz id to pass (its current version).")
    within_days_of_hire: int = Field(default=30, ge=0, description="Days after the hire date it is due.")
    renew_every_months: int | None = Field(
        default=None, ge=1, description="Must be done again this many months after it was last done."
    )

    @model_validator(mode="after")
    def _one_duty(self) -> Requirement:
        if (self.acknowledge is None) == (self.pass_quiz is None):
            raise ValueError("give exactly one of acknowledge (a policy id) or pass_quiz (a quiz id)")
        return self


class RequirementsFile(Document):
    requirements: list[Requirement] = Field(default_factory=list)
