"""The engines that turn the generated docs into a site: MkDocs with Material, or Zensical.

Both read the same generated ``mkdocs.yml``. Zensical runs in its own process (it is a Rust
runtime that prints its own report) and only writes inside the folder of the config it reads,
so it builds into a staging folder there and the finished site is copied where it was asked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from handbook.models.handbook import Engine
from handbook.site import SiteError, run_mkdocs

ENGINES: tuple[str, ...] = get_args(Engine)
ZENSICAL_STAGING = "zensical-site"
"""Zensical's output folder inside the generated folder (it refuses a site_dir outside it)."""

MKDOCS_NOTICE = (
    "notice: Material for MkDocs is in maintenance mode and reaches end of life on May 5, 2027; "
    "Zensical, its successor, builds this handbook too: handbook build --engine zensical"
)
"""Material prints this itself only under the ``mkdocs`` command; a handbook build passes it on."""

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WHERE = re.compile(r"\[\s*(\S+?):(\d+):(\d+)\s*\]")
_ISSUE = re.compile(r"^(Warning|Error):\s*(.+)$")
_NOISE = re.compile(r"^(Build started|Build finished in .*|No issues found|\d+ issues? found|[│╭╰─\d^])")


def staging_dir(out: Path, engine: Engine, site_dir: Path) -> Path:
    """Where the engine itself writes: ``site_dir`` for MkDocs, inside ``out`` for Zensical."""
    return out / ZENSICAL_STAGING if engine == "zensical" else site_dir


def run_engine(engine: Engine, config: Path, user_config: Path, site_dir: Path,
               plugins: Mapping[str, Any] | None = None) -> list[str]:
    """Build the site from the generated ``config`` into ``site_dir``; the engine's notices.
    ``plugins`` (the preview's warm render) join MkDocs' build; Zensical runs its own process.

    Raises SiteError with one line per problem; a warning fails the build with either engine.
    """
    if engine == "zensical":
        return _run_zensical(config, site_dir)
    run_mkdocs(config, user_config, plugins)
    return [MKDOCS_NOTICE]


def zensical_lines(output: str, docs: Path) -> tuple[list[str], list[str]]:
    """Zensical's report as (problems at ``docs``-relative file:line:col, notices to pass on).

    Zensical prints ``Warning: message`` then a source excerpt framed in box-drawing lines whose
    first names ``file:line:col``; its progress lines and a strict build's traceback are noise.
    """
    problems: list[str] = []
    notices: list[str] = []
    issue: str | None = None
    for raw in output.splitlines():
        line = _ANSI.sub("", raw).strip()
        if line.startswith("Traceback"):  # a strict build's abort: the issues came before it
            break
        found, where = _ISSUE.match(line), _WHERE.search(line)
        if found:
            if issue:
                problems.append(f"{docs}: zensical: {issue}")
            issue = found.group(2)
        elif where and issue:
            problems.append(f"{docs / where.group(1)}:{where.group(2)}:{where.group(3)}: zensical: {issue}")
            issue = None
        elif line and issue is None and not _NOISE.match(line):
            notices.append(f"zensical: {line}")
    if issue:
        problems.append(f"{docs}: zensical: {issue}")
    return problems, notices


def _run_zensical(config: Path, site_dir: Path) -> list[str]:
    staging = config.parent / ZENSICAL_STAGING
    command = [sys.executable, "-m", "zensical", "build", "--strict", "--config-file", str(config)]
    done = subprocess.run(command, cwd=config.parent, capture_output=True, text=True, check=False)
    output = done.stdout + "\n" + done.stderr
    problems, notices = zensical_lines(output, config.parent / "docs")
    if done.returncode != 0:
        last = next((line for line in reversed(output.splitlines()) if line.strip()), "no output")
        raise SiteError("; ".join(problems) or f"zensical: build failed: {_ANSI.sub('', last).strip()}")
    if staging.resolve() != site_dir.resolve():
        _replace(site_dir, staging)
    return notices


def _replace(site_dir: Path, staging: Path) -> None:
    """The staged site in place of ``site_dir``, as MkDocs leaves it: nothing stale behind."""
    try:
        if site_dir.is_dir() and not site_dir.is_symlink():
            shutil.rmtree(site_dir)
        elif site_dir.exists() or site_dir.is_symlink():
            site_dir.unlink()
        shutil.copytree(staging, site_dir)
    except OSError as error:
        where = error.filename or site_dir
        raise SiteError(f"{where}: cannot write the site: {error.strerror or error}") from None
