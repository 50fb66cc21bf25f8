"""Where things live in a handbook project folder, declared once.

The source files are declared in ``project.SOURCE_KINDS``; this module adds what the
build reads beside them (``mkdocs.yml``, ``site_templates/``), what the editors read
(``schemas/``) and the default places of what the tool writes (generated Markdown, the
site, the records store, the roster HR drops in). Watching, copying a project and every
default path derive from here, so a new source folder is declared in one place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CONFIG = "mkdocs.yml"
"""The site settings the generated MkDocs config INHERITs."""
OVERRIDES = "site_templates"
"""A project's own templates, assets and theme overrides (they win over the built-in ones)."""
SCHEMAS = "schemas"
"""JSON Schemas for editors; the build never reads them."""
GENERATED = ".handbook"
"""Generated Markdown and config (never committed); each server process has a folder inside."""
SITE = "site"
"""Where ``handbook build`` writes the site."""
RECORDS = "records.sqlite"
"""The records store of ``serve``, ``preview``, ``records`` and ``report``."""
ROSTER = "roster.csv"
"""The staff roster the HR report reads."""


def build_inputs() -> tuple[str, ...]:
    """Top-level names whose files the build reads: a change to any of them means a rebuild."""
    from handbook.project import SOURCE_KINDS  # the source kinds know their models; keep this light

    folders = (kind.path.split("/", 1)[0] for kind in SOURCE_KINDS)
    return tuple(dict.fromkeys([*folders, CONFIG, OVERRIDES]))


def project_parts() -> tuple[str, ...]:
    """Everything that makes up a project's sources (what a copy of the project needs)."""
    return (*build_inputs(), SCHEMAS)


def copy_sources(source: Path, target: Path) -> Path:
    """Copy a project's sources (never its generated folder, site or records) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in project_parts():
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part)
        elif (source / part).is_file():
            shutil.copy2(source / part, target / part)
    return target
