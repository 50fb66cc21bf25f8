"""Turn the validated project into Markdown pages, one Jinja2 template per page kind.

Pages go to a generated docs folder (never committed). Only files whose content changed
are written, so MkDocs' and the browser's reloads stay quick, and files no longer produced
are removed. Assets and theme overrides are copied from ``site_templates/``: the built-in
ones first, then the project's own, which win.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator.links import html_href, known_links, page_path, parse_link, relative
from generator.project import Project
from generator.textfmt import html_attr, md_text, paragraphs

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"


@dataclass
class Page:
    """One generated page: where it goes, which template makes it, where it sits in the nav."""

    path: str
    template: str
    title: str
    section: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def home_pages(project: Project) -> Iterable[Page]:
    yield Page(page_path("home"), "home.md.j2", "Home")


def policy_pages(project: Project) -> Iterable[Page]:
    for policy in project.policies:
        title = f"No. {policy.number}: {policy.title}"
        yield Page(page_path("policy", policy.id), "policy.md.j2", title, "Policies", {"policy": policy})


def role_pages(project: Project) -> Iterable[Page]:
    yield Page(page_path("roles"), "roles.md.j2", "Roles", "Roles")
    for role in project.roles:
        bound = [
            (policy, clause)
            for policy in project.policies
            for clause, _ in policy.walk()
            if role.id in clause.roles
        ]
        context = {"role": role, "bound": bound}
        yield Page(page_path("role", role.id), "role.md.j2", role.name, "Roles", context)


def glossary_pages(project: Project) -> Iterable[Page]:
    terms = sorted(
        ((policy, clause) for policy in project.policies for clause in policy.definitions()),
        key=lambda pair: (pair[1].term or "").lower(),
    )
    yield Page(page_path("glossary"), "glossary.md.j2", "Glossary", None, {"terms": terms})


PAGE_KINDS: list[Callable[[Project], Iterable[Page]]] = [
    home_pages,
    policy_pages,
    role_pages,
    glossary_pages,
]


def checklist_pages(project: Project) -> Iterable[Page]:
    yield Page(page_path("checklists"), "checklists.md.j2", "Checklists", "Checklists")
    for checklist in project.checklists:
        context = {"checklist": checklist, "policy": project.policy(checklist.policy)}
        context["role"] = project.role(checklist.role)
        path = page_path("checklist", checklist.id)
        yield Page(path, "checklist.md.j2", checklist.title, "Checklists", context)


def form_pages(project: Project) -> Iterable[Page]:
    yield Page(page_path("forms"), "forms.md.j2", "Forms", "Forms")
    for form in project.forms:
        context = {"form": form, "policy": project.policy(form.policy)}
        context["filed_by"] = [project.role(role) for role in form.filed_by]
        context["send_to"] = [project.role(role) for role in form.send_to]
        yield Page(page_path("form", form.id), "form.md.j2", form.title, "Forms", context)


PAGE_KINDS += [checklist_pages, form_pages]


def quiz_pages(project: Project) -> Iterable[Page]:
    if not project.quizzes:
        return
    yield Page(page_path("quizzes"), "quizzes.md.j2", "Quizzes", "Quizzes")
    for quiz in project.quizzes:
        context = {"quiz": quiz, "policy": project.policy(quiz.policy)}
        yield Page(page_path("quiz", quiz.id), "quiz.md.j2", quiz.title, "Quizzes", context)


def acknowledge_pages(project: Project) -> Iterable[Page]:
    for policy in project.policies:
        if policy.acknowledgement:
            wanted = policy.acknowledgement.requires_quiz
            context = {"policy": policy, "quiz": next((q for q in project.quizzes if q.id == wanted), None)}
            path, title = page_path("acknowledge", policy.id), f"Acknowledge No. {policy.number}"
            yield Page(path, "acknowledge.md.j2", title, "Acknowledge", context)


PAGE_KINDS += [quiz_pages, acknowledge_pages]


def collect_pages(project: Project) -> list[Page]:
    return [page for kind in PAGE_KINDS for page in kind(project)]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs ``nav``: top-level pages in order, others grouped into their sections."""
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    for page in pages:
        if page.section is None:
            nav.append({page.title: page.path})
            continue
        if page.section not in sections:
            sections[page.section] = []
            nav.append({page.section: sections[page.section]})
        entry = page.path if page.path.endswith("index.md") else {page.title: page.path}
        sections[page.section].append(entry)
    return nav


def abbreviations(project: Project) -> list[tuple[str, str]]:
    """Terms and role abbreviations that get a hover tooltip wherever they appear."""
    found: dict[str, str] = {}
    for policy in project.policies:
        for clause in policy.definitions():
            if clause.term and clause.text and clause.tooltip:
                found.setdefault(clause.term, clause.text)
            if clause.abbreviation and clause.term:
                found.setdefault(clause.abbreviation, clause.term)
    for role in project.roles:
        if role.abbreviation:
            found.setdefault(role.abbreviation, role.name)
    return sorted(found.items(), key=lambda pair: -len(pair[0]))


def template_dirs(root: Path, part: str) -> list[Path]:
    """The project's override folder first, then the built-in one."""
    dirs = [root / "site_templates" / part, BUILTIN_TEMPLATES / part]
    unique = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [d.resolve() for d in unique]:
            unique.append(folder)
    return unique


def make_environment(project: Project) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(project.root, "pages")]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown out; every value goes through md_text or html_attr
    )
    env.filters.update(md=md_text, attr=html_attr, paragraphs=paragraphs)
    return env


class Renderer:
    """Renders each page with links resolved relative to that page."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.env = make_environment(project)
        self.links = known_links(project)
        self.abbreviations = abbreviations(project)

    def render(self, page: Page) -> str:
        def link(target: str) -> str:
            kind, ident, anchor = parse_link(target)
            key = f"{kind}:{ident}" if ident else kind
            return relative(page.path, self.links[key], anchor)

        def clause_link(policy_id: str, clause_id: str) -> str:
            return link(f"policy:{policy_id}#{clause_id}")

        template = self.env.get_template(page.template)
        return template.render(
            project=self.project,
            handbook=self.project.handbook,
            page=page,
            link=link,
            clause_link=clause_link,
            href=lambda target: html_href(link(target)),
            clause_href=lambda policy_id, clause_id: html_href(clause_link(policy_id, clause_id)),
            abbreviations=self.abbreviations,
            **page.context,
        )


def write_if_changed(path: Path, content: str | bytes) -> bool:
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def copy_tree(sources: list[Path], destination: Path) -> set[Path]:
    """Copy folders into one; later folders lose to earlier ones (overrides first)."""
    written: set[Path] = set()
    for source in reversed(sources):
        for file in sorted(source.rglob("*")):
            if file.is_file():
                target = destination / file.relative_to(source)
                write_if_changed(target, file.read_bytes())
                written.add(target)
    return written


def prune(folder: Path, keep: set[Path]) -> None:
    """Remove generated files that this run did not produce (a deleted policy's page)."""
    if not folder.is_dir():
        return
    for file in folder.rglob("*"):
        if file.is_file() and file not in keep:
            file.unlink()


def render_docs(project: Project, out: Path) -> tuple[list[Page], int]:
    """Write the docs folder and theme overrides; returns the pages and how many files changed."""
    docs, overrides = out / "docs", out / "overrides"
    renderer = Renderer(project)
    pages = collect_pages(project)
    written: set[Path] = set()
    changed = 0
    for page in pages:
        target = docs / page.path
        changed += write_if_changed(target, renderer.render(page))
        written.add(target)
    written |= copy_tree(template_dirs(project.root, "assets"), docs / "assets")
    prune(docs, written)
    override_dirs = template_dirs(project.root, "overrides")
    prune(overrides, copy_tree(override_dirs, overrides) if override_dirs else set())
    if overrides.is_dir() and not any(overrides.rglob("*.*")):
        shutil.rmtree(overrides)
    return pages, changed
