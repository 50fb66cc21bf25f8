"""Quiz coverage: which clauses no quiz question cites, so an author can see the gaps."""

from __future__ import annotations

from handbook.models.policy import Clause
from handbook.project import Project


def _heading_only(clause: Clause) -> bool:
    """A title over clauses ("Definitions") says nothing a question could test."""
    return bool(clause.title) and not clause.text


def uncited_clauses(project: Project) -> list[str]:
    """Clause ids, in reading order, that no question of any quiz on their policy cites (a
    heading with no words of its own is not counted).

    With more than one policy each id is prefixed with its policy id (``admin-policy-6:purpose``).
    """
    several = len(project.policies) > 1
    found = []
    for policy in project.policies:
        quizzes = [quiz for quiz in project.quizzes if quiz.policy == policy.id]
        cited = {clause for quiz in quizzes for question in quiz.questions for clause in question.cites}
        for clause, _ in policy.walk():
            if clause.id not in cited and not _heading_only(clause):
                found.append(f"{policy.id}:{clause.id}" if several else clause.id)
    return found


def coverage_line(project: Project) -> str:
    """One line for ``handbook check``."""
    missing = uncited_clauses(project)
    if not missing:
        return "coverage: every clause is cited by a quiz question"
    return f"coverage: {len(missing)} clauses no quiz cites: {', '.join(missing)}"
