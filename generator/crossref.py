"""Checks that need more than one file: ids unique, every reference resolving.

Each check returns problems rather than stopping, so one run of ``handbook check``
reports everything that is wrong. Add a kind's checks to ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from generator.links import known_links, parse_link
from generator.load import Loc, Problem
from generator.models.base import Document
from generator.models.forms import CREDENTIAL_RULE
from generator.models.quiz import Quiz
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


TARGET_KINDS = {"role": "roles", "clause": "policy", "link": "*"}
"""What a reference names -> the source kind whose failure to load could explain it."""


def unknown(document: Document, loc: Loc, what: str, value: str, known: Iterable[str]) -> Problem:
    """A dangling reference, with the valid choices when there are few enough to list."""
    choices = sorted(known)
    hint = f"; known: {', '.join(choices)}" if 0 < len(choices) <= 12 else ""
    line, col = document.source.locate(loc)
    kind = TARGET_KINDS.get(what, what)
    return Problem(document.source.display, line, col, f"unknown {what} '{value}'{hint}", dangling=kind)


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
        line, col = document.source.locate(loc)
        message = f"unknown clause '{anchor}' in policy '{ident}'"
        return [Problem(document.source.display, line, col, message, dangling="policy")]
    return []


def _question_shape(quiz: Quiz, i: int) -> list[Problem]:
    here, question = ("questions", i), quiz.questions[i]
    problems = [quiz.source.problem((*here, field), message) for field, message in question.shape_problems()]
    options = [(o.id, (*here, "options", j, "id")) for j, o in enumerate(question.options)]
    return problems + duplicate_ids(quiz, options, "option")


def check_quizzes(project: Project) -> list[Problem]:
    role_ids = {role.id for role in project.roles}
    policies = {policy.id: policy for policy in project.policies}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for quiz in project.quizzes:
        if quiz.id in seen:
            message = f"duplicate quiz id '{quiz.id}' (also in {seen[quiz.id]})"
            problems.append(quiz.source.problem(("id",), message))
        seen.setdefault(quiz.id, quiz.source.display)
        for j, role in enumerate(quiz.audience):
            if role not in role_ids:
                problems.append(unknown(quiz, ("audience", j), "role", role, role_ids))
        if quiz.draw is not None and quiz.draw > len(quiz.questions):
            message = f"draw {quiz.draw} is more than the {len(quiz.questions)} questions in the pool"
            problems.append(quiz.source.problem(("draw",), message))
        questions = [(q.id, ("questions", i, "id")) for i, q in enumerate(quiz.questions)]
        problems += duplicate_ids(quiz, questions, "question")
        policy = policies.get(quiz.policy)
        if policy is None:
            problems.append(unknown(quiz, ("policy",), "policy", quiz.policy, policies))
        clauses = policy.clause_ids() if policy else {}
        for i, question in enumerate(quiz.questions):
            problems += _question_shape(quiz, i)
            for j, cited in enumerate(question.cites):
                if policy and cited not in clauses:
                    problems.append(unknown(quiz, ("questions", i, "cites", j), "clause", cited, ()))
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


def check_cites(
    project: Project, document: Document, policy_id: str, cited: Iterable[tuple[str, Loc]]
) -> list[Problem]:
    """A document names its policy (at ``policy``) and cites clause ids of that policy."""
    policies = {policy.id: policy for policy in project.policies}
    if policy_id not in policies:
        return [unknown(document, ("policy",), "policy", policy_id, policies)]
    clauses = policies[policy_id].clause_ids()
    return [
        unknown(document, loc, "clause", clause, ())
        for clause, loc in cited
        if clause not in clauses
    ]


def _unique_ids(documents: list, what: str) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for document in documents:
        if document.id in seen:
            message = f"duplicate {what} id '{document.id}' (also in {seen[document.id]})"
            problems.append(document.source.problem(("id",), message))
        seen.setdefault(document.id, document.source.display)
    return problems


def _known_roles(project: Project, document: Document, roles: Iterable[tuple[str, Loc]]) -> list[Problem]:
    role_ids = {role.id for role in project.roles}
    return [unknown(document, loc, "role", role, role_ids) for role, loc in roles if role not in role_ids]


def check_checklists(project: Project) -> list[Problem]:
    problems = _unique_ids(project.checklists, "checklist")
    for checklist in project.checklists:
        items = list(checklist.items())
        problems += _known_roles(project, checklist, [(checklist.role, ("role",))])
        problems += duplicate_ids(checklist, [(item.id, (*loc, "id")) for item, loc in items], "item")
        cited = [(c, (*loc, "cites", k)) for item, loc in items for k, c in enumerate(item.cites)]
        problems += check_cites(project, checklist, checklist.policy, cited)
    return problems


def check_forms(project: Project) -> list[Problem]:
    problems = _unique_ids(project.forms, "form")
    for form in project.forms:
        fields = list(form.fields())
        roles = [(r, ("filed_by", i)) for i, r in enumerate(form.filed_by)]
        roles += [(r, ("send_to", i)) for i, r in enumerate(form.send_to)]
        problems += _known_roles(project, form, roles)
        problems += duplicate_ids(form, [(field.id, (*loc, "id")) for field, loc in fields], "field")
        for field, loc in fields:
            options = [(o.id, (*loc, "options", k, "id")) for k, o in enumerate(field.options)]
            problems += duplicate_ids(form, options, "option")
            refused = field.credential()
            if refused:
                attribute, word = refused
                message = f"field {attribute} names a credential ('{word}'): {CREDENTIAL_RULE}"
                problems.append(form.source.problem((*loc, attribute), message))
        problems += check_cites(project, form, form.policy, form.cited())
    return problems


def check_requirements(project: Project) -> list[Problem]:
    """Every requirement names known roles and an existing policy or quiz."""
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
        problems += _known_roles(project, document, roles)
        for attribute, (what, known) in targets.items():
            value = getattr(requirement, attribute)
            if value and value not in known:
                problems.append(unknown(document, (*loc, attribute), what, value, known))
    return problems


CHECKS: list[Callable[[Project], list[Problem]]] = [check_roles, check_policies, check_handbook]
CHECKS += [check_quizzes, check_acknowledgements]
CHECKS += [check_checklists, check_forms]
CHECKS.append(check_requirements)


def check_project(project: Project, failed: frozenset[str] = frozenset()) -> list[Problem]:
    """All cross-file problems. References into kinds with files that ``failed`` to load would
    look dangling, so those are held back until the files load."""
    problems = [problem for check in CHECKS for problem in check(project)]
    if not failed:
        return problems
    return [p for p in problems if not (p.dangling and (p.dangling in failed or p.dangling == "*"))]
