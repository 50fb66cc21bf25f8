"""Turn the validated project into Markdown pages, one Jinja2 template per page kind.

Pages go to a generated docs folder (never committed). Only files whose content changed
are written, so MkDocs' and the browser's reloads stay quick, and files no longer produced
are removed. Assets and theme overrides are copied from ``site_templates/``: the built-in
ones first, then the project's own, which win.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import jinja2

from handbook import textfmt
from handbook.links import html_href, is_web_address, known_links, parse_link, relative
from handbook.load import Problem, display_path
from handbook.page_data import strings_data
from handbook.pages import Page, collect_pages
from handbook.project import Project
from handbook.projectfiles import tree_files
from handbook.strings import ENGLISH, Strings
from handbook.templatefiles import LIMITS, PageTemplates, TemplateFailed, read_template_file, template_dirs
from handbook.textfmt import html_attr, html_text, md_text, paragraphs
from handbook.wording import organisation_strings


def abbreviations(project: Project, policy_id: str | None = None,
                  strings: Strings = ENGLISH) -> list[tuple[str, str]]:
    """Terms and role abbreviations that get a hover tooltip on a page.

    A policy's pages (``policy_id``) take that policy's terms only: another policy's meaning of
    the same word never shows there. Pages of no one policy (home, roles, glossary) take every
    term; one that several policies define shows each meaning with the policy it comes from.
    Each becomes a ``*[term]: meaning`` line, so a term that line cannot hold (a backslash or
    a ``]``) gets no tooltip rather than a stray line at the foot of every page.
    """
    meanings: dict[str, dict[str, str]] = {}
    cited_as: dict[str, str] = {}

    def add(term: str, meaning: str, source: str) -> None:
        term = " ".join(term.split())
        if term and not set(term) & {"\\", "]"}:
            meanings.setdefault(term, {}).setdefault(source, meaning)

    for policy in project.policies:
        if policy_id is not None and policy.id != policy_id:
            continue
        cited_as[policy.id] = policy.cited_as
        for clause in policy.definitions():
            if clause.term and clause.text and clause.tooltip:
                add(clause.term, clause.text, policy.id)
            if clause.abbreviation and clause.term:
                add(clause.abbreviation, clause.term, policy.id)
    for role in project.roles:
        if role.abbreviation and role.abbreviation not in meanings:
            add(role.abbreviation, role.name, "")

    def meaning(by_source: dict[str, str]) -> str:
        if len(set(by_source.values())) == 1:
            return next(iter(by_source.values()))
        each = [strings.text("glossary.tooltip_meaning", policy=cited_as[source], meaning=text)
                for source, text in by_source.items()]
        return strings.text("glossary.tooltip_separator").join(each)

    tooltips = [(term, meaning(found)) for term, found in meanings.items()]
    return sorted(tooltips, key=lambda pair: -len(pair[0]))


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


def inline_text(value: object) -> str:
    """``attr``-escaped text that keeps one space at either edge: a piece of a sentence cut
    around a link ("Ask with the ", link, " form.")."""
    text = str(value)
    return (" " if text[:1].isspace() else "") + html_attr(text) + (" " if text[-1:].isspace() else "")


def make_environment(project: Project, cache: Path | None = None) -> jinja2.Environment:
    """Templates from the project's overrides, then the built-ins; compiled once into ``cache``."""
    env = jinja2.Environment(
        loader=PageTemplates(project.root),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(cache)) if cache else None,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # one environment per build: a template is read once, not stat'ed per page
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown out; every value goes through md_text or html_attr
    )
    env.filters.update(md=md_text, attr=html_attr, paragraphs=paragraphs, inline=inline_text)
    return env


class Renderer:
    """Renders each page with links resolved relative to that page, in the site's language."""

    def __init__(self, project: Project, cache: Path | None = None, strings: Strings = ENGLISH) -> None:
        self.project = project
        self.env = make_environment(project, cache)
        self.links = known_links(project)
        self.abbreviations = {policy_id: abbreviations(project, policy_id, strings)
                              for policy_id in [None, *(policy.id for policy in project.policies)]}
        self.abbreviation_lines: dict[str | None, str] = {}
        """Each policy's tooltip lines, rendered (``_abbreviations.md.j2``) once, not once a page."""
        cited = {policy.id: policy.clause_citations() for policy in project.policies}
        # The same on every page, so every template and macro sees them without "with context".
        self.env.globals.update(
            t=strings.markup,
            long_date=strings.long_date,
            cite=lambda policy_id, clause_id: html_attr(cited[policy_id][clause_id]),
            strings_data=strings_data(strings),
        )

    def render(self, page: Page) -> str:
        """The page's Markdown; TemplateFailed, at the template line, for anything that goes wrong."""
        try:
            return self._render(page)
        except Exception as error:  # a project's template can raise anything; report where
            loader = self.env.loader
            assert isinstance(loader, PageTemplates)
            raise TemplateFailed(loader.problem(error)) from None

    def _render(self, page: Page) -> str:
        def link(target: str) -> str:
            if is_web_address(target):
                return target
            kind, ident, anchor = parse_link(target)
            key = f"{kind}:{ident}" if ident else kind
            return relative(page.path, self.links[key], anchor)

        def clause_link(policy_id: str, clause_id: str) -> str:
            return link(f"policy:{policy_id}#{clause_id}")

        owner = page.policy if page.policy in self.abbreviations else None
        if owner not in self.abbreviation_lines:
            block = self.env.get_template("_abbreviations.md.j2")
            self.abbreviation_lines[owner] = block.render(abbreviations=self.abbreviations[owner])
        template = self.env.get_template(page.template)
        return template.render(
            project=self.project,
            handbook=self.project.handbook,
            page=replace(page, title=html_text(page.title)),  # the theme prints a page's title as HTML
            link=link,
            clause_link=clause_link,
            href=lambda target: target if is_web_address(target) else html_href(link(target)),
            clause_href=lambda policy_id, clause_id: html_href(clause_link(policy_id, clause_id)),
            abbreviations=self.abbreviations[owner],  # for a project's own _base.md.j2
            abbreviation_lines=self.abbreviation_lines[owner],
            **page.context,
        )


def write_if_changed(path: Path, content: str | bytes) -> bool:
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def copy_tree(root: Path, part: str, destination: Path) -> set[Path]:
    """Copy a part of ``site_templates/`` into one folder, the project's files winning over the
    built-in ones; only regular files inside the project (or the package) are copied."""
    written: set[Path] = set()
    for source, base in reversed(template_dirs(root, part)):
        files, refused = tree_files(source, base, LIMITS[part])
        if refused:
            path, why = refused[0]
            raise TemplateFailed(Problem(display_path(path, root), 1, 1, why))
        for file in files:
            target = destination / file.relative_to(source)
            write_if_changed(target, read_template_file(file, base, root, part))
            written.add(target)
    return written


def prune(folder: Path, keep: set[Path]) -> None:
    """Remove generated files that this run did not produce (a deleted policy's page)."""
    if not folder.is_dir():
        return
    for file in folder.rglob("*"):
        if file.is_file() and file not in keep:
            file.unlink()


def render_docs(project: Project, out: Path, strings: Strings = ENGLISH) -> tuple[list[Page], int]:
    """Write the docs folder and theme overrides; returns the pages and how many files changed."""
    docs, overrides = out / "docs", out / "overrides"
    strings = organisation_strings(strings, project.handbook)
    renderer = Renderer(project, cache=template_cache(), strings=strings)
    pages = collect_pages(project, strings)
    written: set[Path] = set()
    changed = 0
    for page in pages:
        target = docs / page.path
        changed += write_if_changed(target, renderer.render(page))
        written.add(target)
    textfmt.forget()
    written |= copy_tree(project.root, "assets", docs / "assets")
    prune(docs, written)
    prune(overrides, copy_tree(project.root, "overrides", overrides))
    if overrides.is_dir() and not any(overrides.rglob("*.*")):
        shutil.rmtree(overrides)
    return pages, changed
