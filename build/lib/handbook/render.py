"""Turn the validated project into Markdown pages, one Jinja2 template per page kind.

Pages go to a generated docs folder (never committed). Only files whose content changed
are written, so MkDocs' and the browser's reloads stay quick, and files no longer produced
are removed. Assets and theme overrides are copied from ``site_templates/``: the built-in
ones first, then the project's own, which win.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jinja2

from handbook.links import html_href, known_links, parse_link, relative
from handbook.pages import Page, collect_pages
from handbook.project import Project
from handbook.resources import builtin_templates
from handbook.textfmt import html_attr, md_text, paragraphs



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
    dirs = [root / "site_templates" / part, builtin_templates() / part]
    unique = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [d.resolve() for d in unique]:
            unique.append(folder)
    return unique


def template_cache() -> Path | None:
    """Where compiled templates are kept between builds: the user's cache folder, like .pyc files.

    Jinja keys each entry by template path and checks it against the source's checksum, so an
    edited template is recompiled and projects never share a stale entry. Unwritable: no cache.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "handbook" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def make_environment(project: Project, cache: Path | None = None) -> jinja2.Environment:
    """Templates from the project's overrides, then the built-ins; compiled once into ``cache``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(project.root, "pages")]),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(cache)) if cache else None,
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

    def __init__(self, project: Project, cache: Path | None = None) -> None:
        self.project = project
        self.env = make_environment(project, cache)
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
    renderer = Renderer(project, cache=template_cache())
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
