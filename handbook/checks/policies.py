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


def _quiz_rule_locs(rule: object) -> list[tuple[str, Loc]]:
    """Each quiz id a ``requires_quiz`` rule names, with where it stands."""
    at: Loc = ("acknowledgement", "requires_quiz")
    if isinstance(rule, str):
        return [(rule, at)]
    if isinstance(rule, list):
        return [(quiz, (*at, i)) for i, quiz in enumerate(rule)]
    if isinstance(rule, dict):
        return [(quiz, (*at, role)) for role, quiz in rule.items() if quiz]
    return []


def check_acknowledgements(project: Project) -> list[Problem]:
    """Every quiz an acknowledgement requires is a self-check on that policy (an exam's passes are
    kept by the service, so requiring one there would lock everyone out); every role it names exists."""
    quizzes = {quiz.id: quiz for quiz in project.quizzes}
    problems: list[Problem] = []
    for policy in project.policies:
        rule = policy.acknowledgement.requires_quiz if policy.acknowledgement else None
        for wanted, loc in _quiz_rule_locs(rule):
            if wanted not in quizzes:
                problems.append(unknown(policy, loc, "quiz", wanted, quizzes))
            elif quizzes[wanted].policy != policy.id:
                message = f"quiz '{wanted}' is on policy '{quizzes[wanted].policy}', not '{policy.id}'"
                problems.append(policy.source.problem(loc, message))
            elif quizzes[wanted].exam:  # its passes are the service's: the page could never open
                message = (f"requires_quiz: '{wanted}' is an exam (grading: service); an acknowledgement can "
                           "require a self-check, and requirements.yaml can require the exam (pass_quiz)")
                problems.append(policy.source.problem(loc, message))
        if isinstance(rule, dict):
            roles = [(role, ("acknowledgement", "requires_quiz", role)) for role in rule]
            problems += known_roles(project, policy, roles)
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
