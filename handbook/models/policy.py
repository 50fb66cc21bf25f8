"""A policy: its metadata and a tree of clauses in the policy's own words."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import date

from pydantic import Field, PrivateAttr, model_validator

from handbook.models.base import Document, Id, Model, Text

MAX_CLAUSE_DEPTH = 10
"""Most levels of clauses in a policy, a section being the first (§ 39.18(B)(3)(a) needs 4).
``handbook check`` refuses deeper trees; pages render each level as a nested block."""


class ApprovedBy(Model):
    name: Text
    title: Text


class Clause(Model):
    """One addressable part of a policy; ``id`` is its anchor and what others cite.

    ``title`` makes the clause a heading; ``term`` makes it a definition for the glossary.
    ``roles`` names the roles the clause binds, which gathers it onto their role pages.
    ``tooltip: false`` keeps a definition out of the hover tooltips (for a common word).
    """

    id: Id
    label: Text | None = None
    title: Text | None = None
    term: Text | None = None
    abbreviation: Text | None = None
    text: Text | None = None
    tooltip: bool = True
    roles: list[Id] = Field(default_factory=list)
    clauses: list[Clause] = Field(
        default_factory=list,
        description=f"Sub-clauses. Clauses nest at most {MAX_CLAUSE_DEPTH} levels, a section is the first.",
    )

    @model_validator(mode="after")
    def _has_content(self) -> Clause:
        if not (self.text or self.clauses or self.title):
            raise ValueError("a clause needs text, a title or clauses")
        if self.term and self.title:
            raise ValueError("a clause is either a definition (term) or a heading (title), not both")
        if self.abbreviation and not self.term:
            raise ValueError("abbreviation belongs to a definition: add its term")
        return self

    def walk(self, depth: int = 0) -> Iterator[tuple[Clause, int]]:
        yield self, depth
        for child in self.clauses:
            yield from child.walk(depth + 1)


QuizRule = Id | list[Id] | dict[Id, Id | None]
"""One quiz for everyone; a list (each person passes the one meant for their role); or a
mapping from role to quiz (``null``: that role acknowledges without a quiz)."""


class Acknowledgement(Model):
    """What a reader signs for this policy, and the self-check to pass first.

    ``requires_quiz`` is one quiz id; a list of quiz ids, of which a person passes the one whose
    audience holds their role; or a mapping of role id to quiz id (``null`` for none). A role
    the list or mapping gives no quiz passes the first quiz it names.
    """

    statement: Text
    requires_quiz: QuizRule | None = Field(
        default=None,
        description="A quiz id; a list of quiz ids (each person passes the one for their role, else the "
        "first); or a mapping of role id to quiz id (null: no quiz for that role).",
    )

    @model_validator(mode="after")
    def _names_a_quiz(self) -> Acknowledgement:
        if isinstance(self.requires_quiz, list | dict) and not self.requires_quiz:
            raise ValueError("requires_quiz: name at least one quiz, or leave requires_quiz out")
        return self

    def quiz_ids(self) -> list[str]:
        """Every quiz the rule names, in order, once each."""
        rule = self.requires_quiz
        if isinstance(rule, dict):
            named: list[str | None] = list(rule.values())
        else:
            named = [rule] if isinstance(rule, str) else list(rule or [])
        return list(dict.fromkeys(quiz for quiz in named if quiz))

    def quiz_for(self, role: str, audiences: Mapping[str, list[str]]) -> str | None:
        """The quiz a person acting as ``role`` passes before acknowledging (None: no quiz).
        ``audiences`` maps each quiz id to the roles it is for."""
        rule = self.requires_quiz
        if rule is None or isinstance(rule, str):
            return rule
        if isinstance(rule, dict) and role in rule:
            return rule[role]
        named = self.quiz_ids()
        mine = [quiz for quiz in named if role in audiences.get(quiz, [])] if isinstance(rule, list) else []
        return (mine or named)[0] if named else None


class Policy(Document):
    _content_hash: str | None = PrivateAttr(default=None)
    id: Id
    series: Text = "Policy"
    number: Text
    title: Text
    effective_date: date
    approved_by: ApprovedBy
    version: Text
    sections: list[Clause] = Field(min_length=1)
    acknowledgement: Acknowledgement | None = None
    # Review dates (handbook.checks.review): when the policy is next looked at by its owner.
    review_every_months: int | None = Field(
        default=None, ge=1, le=120,
        description="Review the policy this many months after it took effect or was last published.")
    next_review: date | None = Field(default=None, description="The date of the next review, YYYY-MM-DD.")

    @property
    def heading(self) -> str:
        return f"{self.series} No. {self.number}: {self.title}"

    def walk(self) -> Iterator[tuple[Clause, int]]:
        """Every clause in reading order with its depth (sections are depth 0)."""
        for section in self.sections:
            yield from section.walk()

    def clause_ids(self) -> dict[str, Clause]:
        return {clause.id: clause for clause, _ in self.walk()}

    def definitions(self) -> list[Clause]:
        return [clause for clause, _ in self.walk() if clause.term]

    def content_hash(self) -> str:
        """SHA-256 of the words a reader sees: what an acknowledgement is bound to.

        Role tags are left out on purpose: re-tagging a clause does not change the policy.
        Computed once per loaded policy (the service checks it on every record).
        """
        if self._content_hash is None:
            self._content_hash = self._compute_hash()
        return self._content_hash

    def _compute_hash(self) -> str:
        return words_hash(self.words())

    def words(self) -> dict[str, object]:
        """The words a reader sees, as plain data: what the hash covers and a published
        version keeps (handbook.history), so a history file's hash can be recomputed."""

        def words(clause: Clause) -> dict[str, object]:
            keep = clause.model_dump(include={"id", "label", "title", "term", "abbreviation", "text"})
            return {**keep, "clauses": [words(child) for child in clause.clauses]}

        return {
            "id": self.id,
            "series": self.series,
            "number": self.number,
            "title": self.title,
            "effective_date": self.effective_date.isoformat(),
            "approved_by": self.approved_by.model_dump(),
            "version": self.version,
            "sections": [words(section) for section in self.sections],
        }


def words_hash(words: Mapping[str, object]) -> str:
    """SHA-256 of a policy's :meth:`Policy.words` in one canonical JSON form."""
    blob = json.dumps(words, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
