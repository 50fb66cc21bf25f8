"""Checks that need more than one file: ids unique, every reference resolving.

Each check returns problems rather than stopping, so one run of ``handbook check`` reports
everything that is wrong. A new kind of source file adds its check to ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable

from handbook.checks.history import check_history
from handbook.checks.paperwork import check_checklists, check_forms
from handbook.checks.policies import check_acknowledgements, check_handbook, check_policies, check_roles
from handbook.checks.quizzes import check_quizzes
from handbook.checks.requirements import check_requirements
from handbook.load import Problem
from handbook.project import Project

CHECKS: list[Callable[[Project], list[Problem]]] = [
    check_roles,
    check_policies,
    check_handbook,
    check_quizzes,
    check_acknowledgements,
    check_checklists,
    check_forms,
    check_requirements,
    check_history,
]


def check_project(project: Project, failed: frozenset[str] = frozenset()) -> list[Problem]:
    """All cross-file problems. References into kinds with files that ``failed`` to load would
    look dangling, so those are held back until the files load."""
    problems = [problem for check in CHECKS for problem in check(project)]
    if not failed:
        return problems
    return [p for p in problems if not (p.dangling and (p.dangling in failed or p.dangling == "*"))]
