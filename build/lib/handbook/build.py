"""The pipeline end to end: check, generate the docs tree, build the site with MkDocs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import jinja2

from handbook.load import Problem
from handbook.pages import navigation
from handbook.project import Project, load_project
from handbook.render import render_docs
from handbook.site import read_user_config, run_mkdocs, write_config

GENERATED = ".handbook"


class BuildFailed(Exception):
    """The build stopped; ``lines`` are the one-line messages to print."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class BuildResult:
    site_dir: Path
    pages: int
    changed: int
    generate_seconds: float
    total_seconds: float


def template_problem(error: jinja2.TemplateError) -> str:
    """A broken template (a project's override, usually) as one ``file:line: message`` line."""
    name = getattr(error, "filename", None) or getattr(error, "name", None) or "site_templates"
    line = getattr(error, "lineno", None) or 1
    return f"{name}:{line}:1: template error: {error.message or error}"


def check(root: Path) -> tuple[Project | None, list[Problem]]:
    """Validate the sources and mkdocs.yml; every problem at once."""
    project, problems = load_project(root)
    _, config_problems = read_user_config(root)
    return project, sorted(set(problems + config_problems))


def build(root: Path, site_dir: Path | None = None, out: Path | None = None) -> BuildResult:
    """Check, write the generated docs and config into ``out``, and run MkDocs into ``site_dir``."""
    started = time.perf_counter()
    root = root.resolve()
    project, problems = load_project(root)
    user, config_problems = read_user_config(root)
    problems = sorted(set(problems + config_problems))
    if problems or project is None:
        raise BuildFailed([str(problem) for problem in problems])
    out = out or root / GENERATED
    site_dir = site_dir or root / "site"
    try:
        pages, changed = render_docs(project, out)
    except jinja2.TemplateError as error:
        raise BuildFailed([template_problem(error)]) from None
    config = write_config(root, out, site_dir, project.handbook.site_title, navigation(pages), user)
    generated = time.perf_counter()
    try:
        run_mkdocs(config)
    except Exception as error:  # SiteError, or a plugin's own failure: one line, no traceback
        raise BuildFailed([str(error).splitlines()[0] if str(error) else repr(error)]) from None
    finished = time.perf_counter()
    return BuildResult(site_dir, len(pages), changed, generated - started, finished - started)
