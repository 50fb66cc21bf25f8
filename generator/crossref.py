"""Checks that need more than one file: ids unique, every reference resolving.

Each check returns problems rather than stopping, so one run of ``handbook check``
reports everything that is wrong. Add a kind's checks to ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from generator.links import known_links, parse_link
from generator.load import Loc, Problem
from generator.models.base import Document
from generator.project import Project


def duplicate_ids(document: Document, items: Iterable[tuple[str, Loc]], what: str) -> list[Problem]:
    """A problem at every repeat of an id, naming where it was first used."""
    first: dict[str, Loc] = {}
    problems = []
    for ident, loc in items:
        if ident in first:
            line, _ = document.source.locate(first[ident])
            message = f"duplicate {what} id '{ident}' (first at line {line})"
            problems.append(document.source.problem(loc, message))
        else:
            first[ident] = loc
    return problems


def unknown(document: Document, loc: Loc, what: str, value: str, known: Iterable[str]) -> Problem:
    """A dangling reference, with the valid choices when there are few enough to list."""
    choices = sorted(known)
    hint = f"; known: {', '.join(choices)}" if 0 < len(choices) <= 12 else ""
    return document.source.problem(loc, f"unknown {what} '{value}'{hint}")


def check_roles(project: Project) -> list[Problem]:
    items = [(role.id, ("roles", i, "id")) for i, role in enumerate(project.roles)]
    return duplicate_ids(project.roles_file, items, "role")


def _clause_locs(sections: list, loc: Loc) -> Iterable[tuple[object, Loc]]:
    for i, clause in enumerate(sections):
        here = (*loc, i)
        yield clause, here
        yield from _clause_locs(clause.clauses, (*here, "clauses"))


def check_policies(project: Project) -> list[Problem]:
    role_ids = {role.id for role in project.roles}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for policy in project.policies:
        if policy.id in seen:
            message = f"duplicate policy id '{policy.id}' (also in {seen[policy.id]})"
            problems.append(policy.source.problem(("id",), message))
        seen.setdefault(policy.id, policy.source.display)
        clauses = list(_clause_locs(policy.sections, ("sections",)))
        problems += duplicate_ids(policy, [(c.id, (*loc, "id")) for c, loc in clauses], "clause")
        for clause, loc in clauses:
            for j, role in enumerate(clause.roles):
                if role not in role_ids:
                    problems.append(unknown(policy, (*loc, "roles", j), "role", role, role_ids))
    return problems


def check_handbook(project: Project) -> list[Problem]:
    handbook = project.handbook
    role_ids = {role.id for role in project.roles}
    links = known_links(project)
    problems: list[Problem] = []
    for i, contact in enumerate(handbook.contacts):
        if contact.role and contact.role not in role_ids:
            problems.append(unknown(handbook, ("contacts", i, "role"), "role", contact.role, role_ids))
    audiences = [(a.id, ("audiences", i, "id")) for i, a in enumerate(handbook.audiences)]
    problems += duplicate_ids(handbook, audiences, "audience")
    for i, audience in enumerate(handbook.audiences):
        for j, role in enumerate(audience.roles):
            if role not in role_ids:
                problems.append(unknown(handbook, ("audiences", i, "roles", j), "role", role, role_ids))
        for j, step in enumerate(audience.steps):
            problems += check_link(project, handbook, ("audiences", i, "steps", j, "link"), step.link, links)
    return problems


def check_link(
    project: Project, document: Document, loc: Loc, link: str, links: dict[str, str]
) -> list[Problem]:
    """A ``kind:id#anchor`` link must name a page, and a policy anchor must name a clause."""
    kind, ident, anchor = parse_link(link)
    target = f"{kind}:{ident}" if ident else kind
    if target not in links:
        return [unknown(document, loc, "link", link, links if len(links) <= 12 else ())]
    if anchor and kind == "policy" and anchor not in project.policy(ident or "").clause_ids():
        return [document.source.problem(loc, f"unknown clause '{anchor}' in policy '{ident}'")]
    return []


CHECKS: list[Callable[[Project], list[Problem]]] = [check_roles, check_policies, check_handbook]


def check_project(project: Project) -> list[Problem]:
    return [problem for check in CHECKS for problem in check(project)]
