"""Checks on the HR requirements: known roles, and a policy or quiz that exists."""

from __future__ import annotations

from handbook.checks.common import duplicate_ids, known_roles, unknown
from handbook.load import Problem
from handbook.project import Project


def check_requirements(project: Project) -> list[Problem]:
    document = project.requirements_file
    listed = list(enumerate(document.requirements))
    problems = duplicate_ids(document, [(r.id, ("requirements", i, "id")) for i, r in listed], "requirement")
    targets = {
        "acknowledge": ("policy", {policy.id for policy in project.policies}),
        "pass_quiz": ("quiz", {quiz.id for quiz in project.quizzes}),
    }
    for i, requirement in listed:
        loc = ("requirements", i)
        roles = [(role, (*loc, "roles", j)) for j, role in enumerate(requirement.roles)]
        problems += known_roles(project, document, roles)
        for attribute, (what, known) in targets.items():
            value = getattr(requirement, attribute)
            if value and value not in known:
                problems.append(unknown(document, (*loc, attribute), what, value, known))
    return problems
