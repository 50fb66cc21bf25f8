"""``handbook new``: a starter handbook that any organisation renames and fills in.

The starter ships inside the package (``handbook/starter/``, read with ``importlib.resources``)
so it works from an installed wheel. Its JSON Schemas are written from the models when the
project is made, so they always match the version of handbook that made it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from handbook.schema import write_schemas

RENAMED = {"gitignore": ".gitignore"}
"""Starter files stored under another name: packaging tools leave dot files out."""


class NewRefused(Exception):
    """The folder cannot take a new handbook; the message is one line for the user."""


def starter() -> Traversable:
    """The starter handbook shipped with the package."""
    return files("handbook") / "starter"


TOP = PurePosixPath()


def starter_files(folder: Traversable | None = None,
                  prefix: PurePosixPath = TOP) -> Iterator[tuple[PurePosixPath, Traversable]]:
    """Every file of the starter with the path it takes in a new project."""
    for item in sorted((folder or starter()).iterdir(), key=lambda entry: entry.name):
        if item.name == "__pycache__":
            continue
        name = RENAMED.get(item.name, item.name)
        if item.is_dir():
            yield from starter_files(item, prefix / name)
        else:
            yield prefix / name, item


def create(target: Path, force: bool = False) -> list[Path]:
    """Write the starter into ``target``; refuse a folder that already holds something.

    With ``force`` the starter's files are written into a non-empty folder, replacing any
    file of the same name and leaving the others alone."""
    if target.exists() and not target.is_dir():
        raise NewRefused(f"{target}: already exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise NewRefused(f"{target}: folder is not empty; choose a new folder, "
                         "or use --force to write into it")
    written = []
    for relative, resource in starter_files():
        path = target.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(resource.read_bytes())
        written.append(path)
    written += write_schemas(target / "schemas")
    return written


def next_steps(target: Path, written: list[Path]) -> list[str]:
    """What to tell the author once the project is made."""
    folder = shlex.quote(str(target))
    return [
        f"Created a starter handbook in {target} ({len(written)} files).",
        "Next steps:",
        f"  cd {folder} && handbook preview",
        "  Open the address it prints, then edit policy_source/ and quizzes/: the page follows your",
        "  saves, and `handbook check` lists any problem as path:line:col.",
    ]
