"""The pipeline end to end: check, generate the docs tree, build the site with MkDocs or Zensical."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from handbook.engines import run_engine, staging_dir
from handbook.layout import CONFIG, GENERATED, SITE
from handbook.load import Problem
from handbook.models.handbook import Engine
from handbook.pages import navigation
from handbook.project import Project, SourceCache, load_project
from handbook.render import render_docs
from handbook.site import SiteError, read_user_config, write_config
from handbook.strings import Strings, StringsError, configured_language, load_strings
from handbook.templatefiles import TemplateFailed, located_in_tree, one_line, site_template_problems

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
class BuiltSite:
    """What a build made."""

    site_dir: Path
    pages: int
    changed: int
    generate_seconds: float
    total_seconds: float
    warnings: list[str] = field(default_factory=list)
    """One ``mkdocs.yml:line:col: warning: ...`` line per setting the build ignored."""
    engine: Engine = "mkdocs"
    notices: list[str] = field(default_factory=list)
    """What the engine itself says to the user (an end-of-life notice, a hint), passed on."""


@dataclass
class BuildResult(BuiltSite):
    """What a build made, and the project it made it from (so a server can check records
    against exactly the project its pages show)."""

    project: Project = field(kw_only=True)


def _checked(root: Path, cache: SourceCache | None = None
             ) -> tuple[Project | None, dict[str, Any], tuple[Strings, list[str]] | None, list[Problem]]:
    """The project, the user's mkdocs.yml settings, the string table of the site's language
    (with its warnings; None when it is broken), and every problem with any of them or the
    templates."""
    project, problems = load_project(root, cache)
    user, config_problems = read_user_config(root)
    table: tuple[Strings, list[str]] | None = None
    try:
        table = load_strings(configured_language(user), root)
    except StringsError as broken:
        problems = [*problems, broken.problem]
    return project, user, table, sorted(set(problems + config_problems + site_template_problems(root)))


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


def located_in_config(root: Path, warnings: list[str]) -> list[str]:
    """The string table's warnings about ``theme.language``, at that setting's line."""
    if not warnings:
        return []
    text = (root / CONFIG).read_text(encoding="utf-8", errors="replace").splitlines()
    at = next((n for n, line in enumerate(text, 1) if re.match(r"\s+language\s*:", line)), 1)
    return [f"{CONFIG}:{at}:1: {warning}" for warning in warnings]


def check(root: Path) -> tuple[Project | None, list[Problem]]:
    """Validate the sources, mkdocs.yml and site_templates/; every problem at once."""
    project, _, _, problems = _checked(root)
    return project, problems


def build(root: Path, site_dir: Path | None = None, out: Path | None = None, engine: Engine | None = None, *,
          cache: SourceCache | None = None, plugins: Mapping[str, Any] | None = None) -> BuildResult:
    """Check, write the generated docs and config into ``out``, and run the engine (``engine``, else
    the handbook file's ``engine:``, else MkDocs) into ``site_dir``.

    Whatever goes wrong in any stage is raised as BuildFailed, one line per problem, so the
    command line and the preview's watcher report it and carry on; nothing else escapes.
    A long-lived caller (the preview) passes a ``cache`` of parsed sources, and ``plugins`` to
    add to MkDocs' own for this build (:class:`handbook.fastrender.WarmSite`).
    """
    kept: list[Project] = []
    site = _guarded(root, lambda: _build(root, site_dir, out, engine, cache, plugins or {}, kept))
    return BuildResult(**{f.name: getattr(site, f.name) for f in fields(site)}, project=kept[0])


def build_once(root: Path, site_dir: Path | None = None, engine: Engine | None = None) -> BuiltSite:
    """:func:`build` for a process that only builds (``handbook build``): the loaded project (its
    models and the position of every source value) is let go before the engine runs, so a large
    handbook's build does not hold it beside MkDocs' own pages and search index."""
    return _guarded(root, lambda: _build(root, site_dir, None, engine, None, {}, None))


def _guarded(root: Path, run: Callable[[], BuiltSite]) -> BuiltSite:
    try:
        return run()
    except BuildFailed:
        raise
    except Exception as error:  # a failure no stage knew how to locate: still one line
        raise BuildFailed([f"{root}: build failed: {type(error).__name__}: {one_line(error)}"]) from None


@contextmanager
def _collector_paused() -> Iterator[Callable[[], None]]:
    """Python's cyclic collector off while the sources load, then blind to what they made.

    Loading builds hundreds of thousands of long-lived objects in trees (values, models,
    positions) and no cycles worth collecting, yet each time they grow by a quarter the
    collector walks them all again (1.5 s of a 100-policy generator's 7 s CPU). The caller
    calls what this yields once the project is loaded: it moves everything alive into the
    collector's permanent generation (``gc.freeze``), so rendering's young garbage is collected
    without walking the project. On leaving, what rendering left in cycles is collected first
    (Jinja's page contexts and macros hold the project), so a one-shot build's project is freed
    the moment it is let go rather than by a full collection walking it inside MkDocs' build;
    then everything is handed back to the collector.
    """
    enabled = gc.isenabled()
    gc.disable()

    def loaded() -> None:
        gc.freeze()
        if enabled:
            gc.enable()

    try:
        yield loaded
    finally:
        gc.collect()  # only what is not frozen: rendering's leftovers, not the project
        gc.unfreeze()
        if enabled:
            gc.enable()


def _build(root: Path, site_dir: Path | None, out: Path | None, engine: Engine | None,
           cache: SourceCache | None, plugins: Mapping[str, Any], keep: list[Project] | None) -> BuiltSite:
    """The build; the project goes into ``keep`` when the caller wants it, else it is released
    before the engine runs (nothing here holds it any more)."""
    started = time.perf_counter()
    root = root.resolve()
    out = out or root / GENERATED
    site_dir = site_dir or root / SITE
    with _collector_paused() as loaded:
        project, user, table, problems = _checked(root, cache)
        loaded()
        if problems or project is None or table is None:
            raise BuildFailed([str(problem) for problem in problems])
        engine = engine or project.handbook.engine
        strings, language_warnings = table
        try:
            pages, changed = render_docs(project, out, strings)
            config = write_config(root, out, staging_dir(out, engine, site_dir), project.handbook.site_title,
                                  navigation(pages), user)
        except TemplateFailed as failed:
            raise BuildFailed([str(failed.problem)]) from None
        except OSError as error:
            why = error.strerror or error
            raise BuildFailed([f"{error.filename or out}: cannot write the generated pages: {why}"]) from None
    generated, count = time.perf_counter(), len(pages)
    if keep is not None:
        keep.append(project)
    del pages, project  # page contexts and (unless kept) the project: not held through the engine's build
    try:
        notices = run_engine(engine, config, root / "mkdocs.yml", site_dir, plugins)
    except SiteError as error:
        raise BuildFailed([str(error)]) from None
    except Exception as error:  # a theme override or a plugin failed: name the file when it is ours
        problem = located_in_tree(error, out / "overrides", root / "site_templates" / "overrides", root)
        line = str(problem) if problem else f"mkdocs.yml:1:1: mkdocs failed: {one_line(error)}"
        raise BuildFailed([line]) from None
    finished = time.perf_counter()
    return BuiltSite(site_dir, count, changed, generated - started, finished - started,
                     overridden_settings(root, user) + located_in_config(root, language_warnings),
                     engine, notices)
