"""The pipeline end to end: check, generate the docs tree, build the site with MkDocs."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from handbook.layout import CONFIG, GENERATED, SITE
from handbook.load import Problem
from handbook.pages import navigation
from handbook.project import Project, load_project
from handbook.render import render_docs
from handbook.site import read_user_config, run_mkdocs, write_config

OVERRIDDEN = {
    "site_dir": "handbook writes the site to --site-dir (default site/)",
    "nav": "handbook makes the navigation from the sources",
    "use_directory_urls": "handbook's pages link to .html files (use_directory_urls: false)",
}
"""Keys of the user's mkdocs.yml the generated config replaces, and why."""


class BuildFailed(Exception):
    """The build stopped; ``lines`` are the one-line messages to print."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class BuildResult:
    """What a build made, and the project it made it from (so a server can check records
    against exactly the project its pages show)."""

    site_dir: Path
    pages: int
    changed: int
    generate_seconds: float
    total_seconds: float
    project: Project
    warnings: list[str] = field(default_factory=list)
    """One ``mkdocs.yml:line:col: warning: ...`` line per setting the build ignored."""


def template_problem(error: jinja2.TemplateError) -> str:
    """A broken template (a project's override, usually) as one ``file:line: message`` line."""
    name = getattr(error, "filename", None) or getattr(error, "name", None) or "site_templates"
    line = getattr(error, "lineno", None) or 1
    return f"{name}:{line}:1: template error: {error.message or error}"


def overridden_settings(root: Path, user: dict[str, Any]) -> list[str]:
    """A warning line for each key of the user's mkdocs.yml that the generated config replaces."""
    found = [key for key in OVERRIDDEN if key in user]
    if not found:
        return []
    text = (root / CONFIG).read_text(encoding="utf-8", errors="replace").splitlines()
    lines = []
    for key in found:
        at = next((n for n, line in enumerate(text, 1) if re.match(rf"{key}\s*:", line)), 1)
        lines.append(f"{CONFIG}:{at}:1: warning: {key} is ignored: {OVERRIDDEN[key]}")
    return lines


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
    site_dir = site_dir or root / SITE
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
    return BuildResult(site_dir, len(pages), changed, generated - started, finished - started, project,
                       overridden_settings(root, user))
