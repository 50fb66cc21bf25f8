"""What changed between two versions of a policy: clauses added, removed and changed, each
change word by word, in the order a reader meets them.

The "what changed" pages and the acknowledgement page's "since you acknowledged" both show
these; the quizzes use :meth:`Changes.clause_ids` to ask only about changed clauses.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from handbook.citations import citations
from handbook.history import as_policy, current_refs, is_current
from handbook.models.history import PublishedVersion
from handbook.models.policy import Clause, Policy
from handbook.models.quiz import Quiz
from handbook.project import Project

ChangeKind = Literal["added", "removed", "changed"]
PieceKind = Literal["same", "added", "removed"]
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
META = ("title", "effective_date", "approved_by")
"""Fields of the policy itself whose change a reader is told about, beside its clauses."""


@dataclass(frozen=True)
class Piece:
    """A run of words: in both versions, only in the new one, or only in the old one."""

    kind: PieceKind
    text: str


@dataclass(frozen=True)
class Change:
    """One clause (or, with ``field``, one field of the policy) and how its words changed."""

    kind: ChangeKind
    clause_id: str
    citation: str
    pieces: tuple[Piece, ...]
    """The clause's text (or the field's value), word by word."""
    field: str | None = None
    head: tuple[Piece, ...] = ()
    """Its label, title or term, word by word, when those changed (the citation names it otherwise)."""


@dataclass(frozen=True)
class Changes:
    old: Policy
    new: Policy
    changes: tuple[Change, ...]

    def clause_ids(self) -> set[str]:
        """Every clause added, removed or changed."""
        return {change.clause_id for change in self.changes if change.clause_id}


def clause_head(clause: Clause) -> str:
    """What names a clause, as one line: label, title, term and abbreviation."""
    abbreviation = f"({clause.abbreviation})" if clause.abbreviation else None
    parts = [clause.label, clause.title, clause.term, abbreviation]
    return " ".join(" ".join(part.split()) for part in parts if part)


def clause_text(clause: Clause) -> str:
    return " ".join((clause.text or "").split())


def _whole(kind: PieceKind, text: str) -> tuple[Piece, ...]:
    return (Piece(kind, text),) if text else ()


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    """The words of ``old`` and ``new`` as runs kept, removed and added (removed before added)."""
    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(after[j1:j2])))
    return tuple(_merged(pieces))


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring runs of one kind as one run, so a changed phrase reads as one change."""
    out: list[Piece] = []
    for piece in pieces:
        if out and out[-1].kind == piece.kind:
            out[-1] = Piece(piece.kind, out[-1].text + piece.text)
        else:
            out.append(piece)
    return out


def _meta(policy: Policy, name: str) -> str:
    if name == "approved_by":  # a signing person, or the body that adopted an ordinance
        if policy.approved_by:
            return f"{policy.approved_by.name}, {policy.approved_by.title}"
        adopted = policy.adopted_by
        parts = (adopted.body, adopted.ordinance, adopted.date) if adopted else ()
        return ", ".join(str(part) for part in parts if part)
    return str(getattr(policy, name))


def compare(old: Policy, new: Policy) -> Changes:
    """Every difference in the words a reader sees from ``old`` to ``new``."""
    found = [Change("changed", "", name, word_diff(_meta(old, name), _meta(new, name)), field=name)
             for name in META if _meta(old, name) != _meta(new, name)]
    before, after = old.clause_ids(), new.clause_ids()
    cited_old, cited_new = citations(old), citations(new)
    for clause, _ in new.walk():
        earlier = before.get(clause.id)
        if earlier is None:
            text = _whole("added", clause_text(clause))
            found.append(Change("added", clause.id, cited_new[clause.id], text))
            continue
        head_changed = clause_head(earlier) != clause_head(clause)
        if head_changed or clause_text(earlier) != clause_text(clause):
            head = word_diff(clause_head(earlier), clause_head(clause)) if head_changed else ()
            pieces = word_diff(clause_text(earlier), clause_text(clause))
            found.append(Change("changed", clause.id, cited_new[clause.id], pieces, head=head))
    for clause, _ in old.walk():
        if clause.id not in after:
            text, head = _whole("removed", clause_text(clause)), _whole("removed", clause_head(clause))
            found.append(Change("removed", clause.id, cited_old[clause.id], text, head=head))
    return Changes(old, new, tuple(found))


def outdated_versions(project: Project, policy: Policy) -> list[tuple[int, PublishedVersion, Changes]]:
    """Each earlier published version whose acknowledgements are outdated now (newest first),
    with its place in the history and what changed from it to the current words."""
    published = project.history.get(policy.id, [])
    refs = current_refs(policy, published)
    found = []
    for i, version in reversed(list(enumerate(published))):
        old = as_policy(version)
        if old is not None and not is_current(refs, version.version, version.hash):
            found.append((i, version, compare(old, policy)))
    return found


def changed_questions(project: Project, quiz: Quiz) -> dict[str, list[str]]:
    """For a quiz with ``reacknowledge: changed``: earlier version -> the ids of the questions
    that cite a clause changed since it (versions no question covers are left out)."""
    if quiz.reacknowledge != "changed":
        return {}
    policy = next((p for p in project.policies if p.id == quiz.policy), None)
    found = {}
    for _, version, changes in outdated_versions(project, policy) if policy else []:
        touched = changes.clause_ids()
        ids = [question.id for question in quiz.questions if touched & set(question.cites)]
        if ids:
            found[version.version] = ids
    return found
