"""Templates and assets from ``site_templates/``: read safely, and every failure located in its file.

A project's overrides are files like any source: a link out of the project, a FIFO or an
oversized file is refused (see :mod:`handbook.projectfiles`), a file that is not UTF-8 is
reported at its first bad byte, and an error raised while a template runs (an undefined
variable, a division by zero) is reported at the template line that raised it.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from pathlib import Path

import jinja2

from handbook.load import Problem, decode_utf8, display_path
from handbook.projectfiles import (
    FOLDER_LINK,
    MAX_ASSET_BYTES,
    MAX_TEMPLATE_BYTES,
    FileRefused,
    read_bytes,
    tree_files,
)
from handbook.resources import builtin_templates

PARTS = ("pages", "assets", "overrides", "mail")
"""The folders of ``site_templates/``: page templates, files copied into the site, theme overrides,
and the reminder emails (``handbook remind``)."""

LIMITS = {"pages": MAX_TEMPLATE_BYTES, "assets": MAX_ASSET_BYTES, "overrides": MAX_ASSET_BYTES,
          "mail": MAX_TEMPLATE_BYTES}
TEMPLATE_SUFFIXES = {"pages": (".j2", ".md", ".html"), "assets": (), "overrides": (".html", ".xml", ".j2"),
                     "mail": (".j2",)}
"""Files of each part that are Jinja templates, so must be UTF-8 text (the rest are copied as bytes)."""


class TemplateFailed(Exception):
    """A template could not be read or run; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def template_dirs(root: Path, part: str) -> list[tuple[Path, Path]]:
    """(folder, the folder links may point into): the project's override first, then the built-in one."""
    found = [(root / "site_templates" / part, root), (builtin_templates() / part, builtin_templates())]
    unique: list[tuple[Path, Path]] = []
    for folder, base in found:
        if folder.is_dir() and folder.resolve() not in [d.resolve() for d, _ in unique]:
            unique.append((folder, base))
    return unique


def read_template_file(path: Path, base: Path, root: Path, part: str) -> bytes:
    """A file of ``site_templates/<part>``, or TemplateFailed naming it (a template must be UTF-8)."""
    try:
        data = read_bytes(path, base, LIMITS[part])
    except FileRefused as refused:
        raise TemplateFailed(Problem(display_path(path, root), 1, 1, str(refused))) from None
    if path.suffix in TEMPLATE_SUFFIXES[part]:
        _, problem = decode_utf8(data, display_path(path, root))
        if problem:
            raise TemplateFailed(problem)
    return data


class PageTemplates(jinja2.BaseLoader):
    """Jinja's loader over the template folders, reading each file through :func:`read_bytes`.

    It remembers the file behind every template it loaded, so an error raised while a
    template runs can be reported at that file's line.
    """

    def __init__(self, root: Path, part: str = "pages") -> None:
        self.root = root
        self.part = part
        self.folders = template_dirs(root, part)
        self.names: dict[str, str] = {}
        """Jinja's file name of each loaded template -> how problems name it."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder, base in self.folders:
            path = folder.joinpath(*pieces)
            if not (path.exists() or path.is_symlink()):
                continue
            display = display_path(path, self.root)
            text, problem = decode_utf8(read_template_file(path, base, self.root, self.part), display)
            if problem or text is None:
                raise TemplateFailed(problem or Problem(display, 1, 1, "cannot read template"))
            self.names[str(path)] = display
            return text, str(path), functools.partial(_unchanged, path, os.stat(path).st_mtime)
        raise jinja2.TemplateNotFound(template)

    def problem(self, error: BaseException) -> Problem:
        """Where a template failed: the innermost template line in the traceback, and why."""
        if isinstance(error, TemplateFailed):
            return error.problem
        where = _innermost(error, self.names)
        if isinstance(error, jinja2.TemplateSyntaxError) and error.filename in self.names:
            where = (self.names[error.filename], error.lineno)
        name, line = where or (f"site_templates/{self.part}", 1)
        return Problem(name, line, 1, f"template error: {one_line(error)}")


def _unchanged(path: Path, mtime: float) -> bool:
    try:
        return os.stat(path).st_mtime == mtime
    except OSError:
        return False


def _innermost(error: BaseException, names: dict[str, str]) -> tuple[str, int] | None:
    """The last frame of ``error``'s traceback that is a line of a known file."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in names:
            found = (names[frame.filename], frame.lineno or 1)
    return found


def one_line(error: BaseException) -> str:
    """An exception as one line: its message's first line, or its type when it has none."""
    message = getattr(error, "message", None) or str(error)
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first or type(error).__name__


def located_in_tree(error: BaseException, copies: Path, originals: Path, root: Path) -> Problem | None:
    """Where in ``originals`` an error raised from a file copied to ``copies`` happened.

    MkDocs runs the theme overrides from the generated folder; a problem must name the
    project's own file, which is the one the author edits.
    """
    names: dict[str, str] = {}
    for frame in traceback.extract_tb(error.__traceback__):
        _name_copy(frame.filename, copies, originals, root, names)
    filename = getattr(error, "filename", None)
    if isinstance(error, jinja2.TemplateSyntaxError) and filename:
        _name_copy(filename, copies, originals, root, names)
        if filename in names:
            return Problem(names[filename], error.lineno or 1, 1, f"template error: {one_line(error)}")
    where = _innermost(error, names)
    return Problem(where[0], where[1], 1, f"template error: {one_line(error)}") if where else None


def _name_copy(filename: str, copies: Path, originals: Path, root: Path, names: dict[str, str]) -> None:
    try:
        relative = Path(filename).resolve().relative_to(copies.resolve())
    except ValueError:
        return
    names[filename] = display_path(originals / relative, root)


def site_template_problems(root: Path) -> list[Problem]:
    """Every entry of the project's ``site_templates/`` that a build would refuse, found up front."""
    problems = []
    for part in PARTS:
        folder = root / "site_templates" / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            problems.append(Problem(display_path(folder, root), 1, 1, FOLDER_LINK))
        elif folder.is_dir():
            files, refused = tree_files(folder, root, LIMITS[part])
            problems += [Problem(display_path(path, root), 1, 1, why) for path, why in refused]
            for path in (file for file in files if file.suffix in TEMPLATE_SUFFIXES[part]):
                try:
                    read_template_file(path, root, root, part)
                except TemplateFailed as failed:
                    problems.append(failed.problem)
    return problems
