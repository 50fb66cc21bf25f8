"""Checks on the handbook file, the roles and the policies themselves."""

from __future__ import annotations

from collections.abc import Iterable

from handbook.checks.common import (
    duplicate_documents,
    duplicate_ids,
    known_link,
    known_roles,
    reserved,
    unknown,
)
from handbook.links import known_links
from handbook.load import Loc, Problem
from handbook.models.policy import MAX_CLAUSE_DEPTH, Clause
from handbook.project import Project


def check_roles(project: Project) -> list[Problem]:
    items = [(role.id, ("roles", i, "id")) for i, role in enumerate(project.roles)]
    return duplicate_ids(project.roles_file, items, "role") + reserved(project.roles_file, items, "role")


def _clause_locs(clauses: list[Clause], loc: Loc, depth: int = 0) -> Iterable[tuple[Clause, Loc, int]]:
    """Every clause with where it is and its depth (sections are 0), not below MAX_CLAUSE_DEPTH."""
    for i, clause in enumerate(clauses):
        here = (*loc, i)
        yield clause, here, depth
        if depth < MAX_CLAUSE_DEPTH:
            yield from _clause_locs(clause.clauses, (*here, "clauses"), depth + 1)


def check_policies(project: Project) -> list[Problem]:
    problems = duplicate_documents(project.policies, "policy")
    for policy in project.policies:
        walked = list(_clause_locs(policy.sections, ("sections",)))
        clauses = [(clause, loc) for clause, loc, _ in walked]
        too_deep = [loc for _, loc, depth in walked if depth == MAX_CLAUSE_DEPTH]
        message = f"clauses nest more than {MAX_CLAUSE_DEPTH} levels deep (a section is the first level)"
        problems += [policy.source.problem(loc, message) for loc in too_deep]
        problems += duplicate_ids(policy, [(c.id, (*loc, "id")) for c, loc in clauses], "clause")
        roles = [(role, (*loc, "roles", j)) for c, loc in clauses for j, role in enumerate(c.roles)]
        problems += known_roles(project, policy, roles)
    return problems


def check_acknowledgements(project: Project) -> list[Problem]:
    """A policy that requires a quiz before acknowledging must name a quiz on that policy."""
    quizzes = {quiz.id: quiz for quiz in project.quizzes}
    problems: list[Problem] = []
    for policy in project.policies:
        wanted = policy.acknowledgement.requires_quiz if policy.acknowledgement else None
        loc = ("acknowledgement", "requires_quiz")
        if wanted and wanted not in quizzes:
            problems.append(unknown(policy, loc, "quiz", wanted, quizzes))
        elif wanted and quizzes[wanted].policy != policy.id:
            message = f"quiz '{wanted}' is on policy '{quizzes[wanted].policy}', not '{policy.id}'"
            problems.append(policy.source.problem(loc, message))
    return problems


def check_handbook(project: Project) -> list[Problem]:
    handbook = project.handbook
    links = known_links(project)
    roles: list[tuple[str, Loc]] = [
        (c.role, ("contacts", i, "role")) for i, c in enumerate(handbook.contacts) if c.role
    ]
    audiences = list(enumerate(handbook.audiences))
    roles += [(role, ("audiences", i, "roles", j)) for i, a in audiences for j, role in enumerate(a.roles)]
    problems = known_roles(project, handbook, roles)
    problems += duplicate_ids(handbook, [(a.id, ("audiences", i, "id")) for i, a in audiences], "audience")
    for i, audience in audiences:
        for j, step in enumerate(audience.steps):
            problems += known_link(project, handbook, ("audiences", i, "steps", j, "link"), step.link, links)
    return problems
