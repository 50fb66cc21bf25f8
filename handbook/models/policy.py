"""A policy: its metadata and a tree of clauses in the policy's own words."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from handbook.models.base import Document, Id, Model, Text

MAX_CLAUSE_DEPTH = 10
"""Most levels of clauses in a policy, a section being the first (§ 39.18(B)(3)(a) needs 4).
``handbook check`` refuses deeper trees; pages render each level as a nested block."""


class ApprovedBy(Model):
    name: Text
    title: Text


class AdoptedBy(Model):
    """The body that adopted the policy, as an ordinance is: a council, not a signing person."""

    body: Text = Field(description="The approving body, e.g. City Council.")
    ordinance: Text | None = Field(default=None, description="The adopting ordinance, e.g. Ord. No. 2019-07.")
    date: dt.date | None = Field(default=None, description="The day it was adopted.")


class Amendment(Model):
    """One entry of a policy's amendment history: shown after the metadata, never cited."""

    ordinance: Text | None = Field(default=None, description="The amending ordinance, e.g. Ord. No. 2021-02.")
    date: dt.date | None = None
    note: Text | None = Field(default=None, description="What changed, e.g. 'Amended § 39.18(B).'")

    @model_validator(mode="after")
    def _says_something(self) -> Amendment:
        if not (self.ordinance or self.date or self.note):
            raise ValueError("an amendment needs an ordinance, a date or a note")
        return self


class CitationStyle(Model):
    """How people cite the policy and its clauses; the defaults cite as Administrative Policy
    No. 6 and "Procedure 1.b". Placeholders: ``{series}``, ``{number}`` (policy), ``{name}``
    (the named clause: its title or label) and ``{labels}`` (the labels below it, joined)."""

    policy: Text = Field(default="{series} No. {number}",
                         description="The policy's full citation, e.g. '§ {number}' or 'Chapter {number}'.")
    short: Text = Field(default="No. {number}",
                        description="The short citation the navigation uses, e.g. 'Chapter {number}'.")
    number_label: Text = Field(default="{series} No.",
                               description="What the policy's metadata calls its number.")
    clause: Text = Field(default="{name} {labels}",
                         description="A clause's citation, e.g. '{name} {labels}' (Procedure 1.b) or "
                         "'§ {name}{labels}' (§ 39.18(B)(3)(a)).")
    name: Literal["title", "label"] = Field(
        default="title", description="What names a section in a citation: its title (Procedure) or its "
        "label (39.18).")
    labels: Literal["dotted", "bracketed"] = Field(
        default="dotted", description="How labels below the named clause join: dotted (1.b) or bracketed "
        "((B)(3)(a), each label in brackets).")

    @field_validator("policy", "short", "number_label", "clause")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        unknown = set(re.findall(r"\{(\w*)\}", value)) - {"series", "number", "name", "labels"}
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{series}}, {{number}}, "
                             "{name} or {labels}")
        return value

    def format(self, pattern: str, **values: str) -> str:
        """``pattern`` with its placeholders filled and the spaces an empty one leaves closed up."""
        filled = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), ""), pattern)
        return " ".join(filled.split())


def _web_address(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s<>\"]+$", value, re.IGNORECASE):
        raise ValueError("source_url must be an http:// or https:// address without spaces")
    return value


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
    history: Text | None = Field(
        default=None, description="A history note shown after the clause, e.g. '(Ord. No. 2019-07, § 1, "
        "3-12-2019)': shown, never cited.")
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
    _citations: dict[str, str] | None = PrivateAttr(default=None)
    id: Id
    series: Text = "Policy"
    number: Text
    title: Text
    effective_date: date
    approved_by: ApprovedBy | None = Field(default=None, description="The person who signed it.")
    version: Text = Field(description="The version of the handbook's text of the policy.")
    sections: list[Clause] = Field(min_length=1)
    acknowledgement: Acknowledgement | None = None
    adopted_by: AdoptedBy | None = Field(
        default=None, description="The body that adopted it (an ordinance), instead of approved_by.")
    amendments: list[Amendment] = Field(default_factory=list, description="Amendment history, oldest first.")
    source_url: Text | None = Field(default=None, description="Where the official text is published "
                                    "(http:// or https://).")
    citation: CitationStyle = Field(default_factory=CitationStyle,
                                    description="How the policy and its clauses are cited.")
    # Review dates (handbook.checks.review): when the policy is next looked at by its owner.
    review_every_months: int | None = Field(
        default=None, ge=1, le=120,
        description="Review the policy this many months after it took effect or was last published.")
    next_review: date | None = Field(default=None, description="The date of the next review, YYYY-MM-DD.")

    @field_validator("source_url")
    @classmethod
    def _source_url(cls, value: str | None) -> str | None:
        return _web_address(value)

    @model_validator(mode="after")
    def _one_approver(self) -> Policy:
        if (self.approved_by is None) == (self.adopted_by is None):
            raise ValueError("give exactly one of approved_by (a person: name, title) or adopted_by "
                             "(a body: body, ordinance, date)")
        return self

    @property
    def cited_as(self) -> str:
        """The policy's citation: "Administrative Policy No. 6", "Chapter 39"."""
        return self.citation.format(self.citation.policy, series=self.series, number=self.number)

    @property
    def short_citation(self) -> str:
        """The navigation's short citation: "No. 6", "Chapter 39"."""
        return self.citation.format(self.citation.short, series=self.series, number=self.number)

    @property
    def number_label(self) -> str:
        return self.citation.format(self.citation.number_label, series=self.series, number=self.number)

    @property
    def heading(self) -> str:
        return f"{self.cited_as}: {self.title}"

    def walk(self) -> Iterator[tuple[Clause, int]]:
        """Every clause in reading order with its depth (sections are depth 0)."""
        for section in self.sections:
            yield from section.walk()

    def clause_citations(self) -> dict[str, str]:
        """How a reader cites each clause (:func:`handbook.citations.citations`), worked out once
        per loaded policy: a 100-policy build's pages ask 1,700 times. Read it, never change it."""
        if self._citations is None:
            from handbook.citations import citations  # it reads this module's models

            self._citations = citations(self)
        return self._citations

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
            if clause.history:
                keep["history"] = clause.history
            return {**keep, "clauses": [words(child) for child in clause.clauses]}

        canonical: dict[str, object] = {
            "id": self.id,
            "series": self.series,
            "number": self.number,
            "title": self.title,
            "effective_date": self.effective_date.isoformat(),
            "approved_by": self.approved_by.model_dump() if self.approved_by else None,
            "version": self.version,
            "sections": [words(section) for section in self.sections],
        }
        if self.adopted_by:
            canonical["adopted_by"] = self.adopted_by.model_dump(mode="json")
        if self.amendments:
            canonical["amendments"] = [entry.model_dump(mode="json") for entry in self.amendments]
        return canonical


def words_hash(words: Mapping[str, object]) -> str:
    """SHA-256 of a policy's :meth:`Policy.words` in one canonical JSON form."""
    blob = json.dumps(words, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
