"""Which pages the site has, what each shows, and where each sits in the navigation.

Material writes the whole navigation into every page, so its shape decides whether a build
grows linearly with the handbook. Each policy's pages (text, quizzes, acknowledgement,
checklists, forms) nest under that policy, and past ``BAND_AFTER`` policies the policies are
grouped into bands of about sqrt(n): with ``navigation.prune`` a page then carries only its
own branch, a few dozen links however many policies there are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from handbook import page_data
from handbook.links import html_href, page_path, relative
from handbook.models.policy import Policy
from handbook.models.quiz import Quiz
from handbook.project import Project
from handbook.textfmt import html_text

BAND_AFTER = 10


@dataclass
class Page:
    """One generated page: where it goes, which template makes it, where it sits in the nav."""

    path: str
    template: str
    title: str
    section: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)
    nav_title: str | None = None


def policy_sections(project: Project) -> dict[str, tuple[str, ...]]:
    """Each policy's place in the navigation, keyed by policy id."""
    policies = project.policies
    size = math.ceil(math.sqrt(len(policies))) if len(policies) > BAND_AFTER else len(policies)
    sections: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(policies), max(size, 1)):
        band = policies[start : start + size]
        prefix: tuple[str, ...] = ("Policies",)
        if len(policies) > BAND_AFTER:
            prefix += (f"Nos. {band[0].number} to {band[-1].number}",)
        for policy in band:
            sections[policy.id] = (*prefix, f"No. {policy.number}: {policy.title}")
    return sections


def training(project: Project, policies: list[Policy], role_id: str | None = None) -> dict[str, list[Any]]:
    """The self-checks (for one role, or all) and acknowledgements that go with ``policies``."""
    ids = {policy.id for policy in policies}
    quizzes = [q for q in project.quizzes if q.policy in ids and (role_id is None or role_id in q.audience)]
    return {"quizzes": quizzes, "acknowledge": [policy for policy in policies if policy.acknowledgement]}


def audience(project: Project, quiz: Quiz) -> list[Any]:
    """The roles a quiz is for, in the roles file's order."""
    return [role for role in project.roles if role.id in quiz.audience]


def home_pages(project: Project) -> Iterable[Page]:
    yield Page(page_path("home"), "home.md.j2", "Home")


def policy_pages(project: Project) -> Iterable[Page]:
    sections = policy_sections(project)
    for policy in project.policies:
        title = f"No. {policy.number}: {policy.title}"
        path = page_path("policy", policy.id)
        context = {"policy": policy, "training": training(project, [policy])}
        yield Page(path, "policy.md.j2", title, sections[policy.id], context, "The policy")


def role_pages(project: Project) -> Iterable[Page]:
    yield Page(page_path("roles"), "roles.md.j2", "Roles", ("Roles",))
    for role in project.roles:
        bound = [
            (policy, clause)
            for policy in project.policies
            for clause, _ in policy.walk()
            if role.id in clause.roles
        ]
        context = {
            "role": role, "bound": bound, "training": training(project, project.policies, role.id),
            "checklists": [checklist for checklist in project.checklists if checklist.role == role.id],
            "forms": [form for form in project.forms if role.id in form.filed_by],
        }
        yield Page(page_path("role", role.id), "role.md.j2", role.name, ("Roles",), context)


def requirements_pages(project: Project) -> Iterable[Page]:
    """What HR tracks: who must acknowledge or pass what, and by when."""
    requirements = project.requirements_file.requirements
    policies = {policy.id: policy for policy in project.policies}
    quizzes = {quiz.id: quiz for quiz in project.quizzes}
    rows = [
        (requirement, [project.role(role) for role in requirement.roles],
         policies.get(requirement.acknowledge or ""), quizzes.get(requirement.pass_quiz or ""))
        for requirement in requirements
    ]
    yield Page(page_path("requirements"), "requirements.md.j2", "Requirements", (), {"rows": rows})


def glossary_pages(project: Project) -> Iterable[Page]:
    terms = sorted(
        ((policy, clause) for policy in project.policies for clause in policy.definitions()),
        key=lambda pair: (pair[1].term or "").lower(),
    )
    yield Page(page_path("glossary"), "glossary.md.j2", "Glossary", (), {"terms": terms})


def checklist_pages(project: Project) -> Iterable[Page]:
    sections = policy_sections(project)
    rows = [(checklist, project.role(checklist.role), len(list(checklist.items())))
            for checklist in project.checklists]
    yield Page(page_path("checklists"), "checklists.md.j2", "Checklists", (), {"rows": rows})
    for checklist, role, total in rows:
        policy = project.policy(checklist.policy)
        context = {"checklist": checklist, "policy": policy, "role": role, "total": total,
                   "data": page_data.checklist_data(checklist)}
        section = (*sections[policy.id], "Checklists")
        yield Page(page_path("checklist", checklist.id), "checklist.md.j2", checklist.title, section, context)


def form_pages(project: Project) -> Iterable[Page]:
    sections = policy_sections(project)
    rows = [(form, [project.role(r) for r in form.filed_by], [project.role(r) for r in form.send_to])
            for form in project.forms]
    yield Page(page_path("forms"), "forms.md.j2", "Forms", (), {"rows": rows})
    records = page_data.records_data(project)
    for form, filed_by, send_to in rows:
        policy = project.policy(form.policy)
        recipients = ", ".join(role.name for role in send_to)
        context = {"form": form, "policy": policy, "filed_by": filed_by, "send_to": send_to,
                   "person": page_data.person_block("p", filed_by), "records": records,
                   "data": page_data.form_data(form, policy, recipients)}
        section = (*sections[policy.id], "Forms")
        yield Page(page_path("form", form.id), "form.md.j2", form.title, section, context)


def quiz_pages(project: Project) -> Iterable[Page]:
    if not project.quizzes:
        return
    sections = policy_sections(project)
    rows = [(quiz, project.policy(quiz.policy), audience(project, quiz)) for quiz in project.quizzes]
    yield Page(page_path("quizzes"), "quizzes.md.j2", "Quizzes", (), {"rows": rows})
    records = page_data.records_data(project)
    for quiz, policy, roles in rows:
        path = page_path("quiz", quiz.id)
        policy_href = html_href(relative(path, page_path("policy", policy.id)))
        section, context = (*sections[policy.id], "Quizzes"), {
            "quiz": quiz, "policy": policy, "audience": roles, "records": records,
            "person": page_data.person_block(f"quiz-{quiz.id}", project.roles, quiz.audience[0]),
            "data": (page_data.exam_data(quiz, project, policy_href) if quiz.exam
                     else page_data.quiz_data(quiz, policy, policy_href)),
            "self_checks": [q for q in project.quizzes if q.policy == policy.id and not q.exam],
        }
        yield Page(path, "exam.md.j2" if quiz.exam else "quiz.md.j2", quiz.title, section, context)


def acknowledge_pages(project: Project) -> Iterable[Page]:
    sections = policy_sections(project)
    quizzes = {quiz.id: quiz for quiz in project.quizzes}
    records = page_data.records_data(project)
    for policy in project.policies:
        if policy.acknowledgement:
            quiz = quizzes.get(policy.acknowledgement.requires_quiz or "")
            context = {"policy": policy, "quiz": quiz, "records": records,
                       "person": page_data.person_block("ack", project.roles),
                       "data": page_data.acknowledgement_data(policy, quiz)}
            path, title = page_path("acknowledge", policy.id), f"Acknowledge No. {policy.number}"
            yield Page(path, "acknowledge.md.j2", title, sections[policy.id], context, "Acknowledge")


PAGE_KINDS: list[Callable[[Project], Iterable[Page]]] = [
    home_pages,
    policy_pages,
    quiz_pages,
    acknowledge_pages,
    checklist_pages,
    form_pages,
    role_pages,
    requirements_pages,
    glossary_pages,
]
"""Every page kind, in the order their first pages appear in the navigation."""


def collect_pages(project: Project) -> list[Page]:
    return [page for kind in PAGE_KINDS for page in kind(project)]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs ``nav``: each page under its section path, sections in order of first use.

    A section's ``index.md`` is listed bare, so ``navigation.indexes`` makes it the section page.
    Titles are plain text from the sources; Material prints nav titles as HTML, so every one
    is escaped here, the one place the navigation is made.
    """
    sections: dict[tuple[str, ...], list[Any]] = {(): []}

    def entries(path: tuple[str, ...]) -> list[Any]:
        if path not in sections:
            sections[path] = []
            entries(path[:-1]).append({html_text(path[-1]): sections[path]})
        return sections[path]

    for page in pages:
        bare = page.path.endswith("index.md") and page.section
        title = html_text(page.nav_title or page.title)
        entries(page.section).append(page.path if bare else {title: page.path})
    return sections[()]
