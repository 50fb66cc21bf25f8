"""Read files from a project folder safely: regular files inside the folder, of bounded size.

A project is edited by people and tools we do not control. A link to ``/etc/passwd`` in
``site_templates/assets/`` would copy a system file into the published site; a FIFO would
make a build wait for ever; a link to ``/dev/zero`` would be read until memory ran out; a
50 MB YAML list would take half a minute to refuse. Every file the generator reads from a
project goes through here, so each of those is refused by ``fstat`` before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MiB = 1024 * 1024
MAX_SOURCE_BYTES = 1 * MiB
"""A YAML source file (policy, quiz, ...) or mkdocs.yml: several hundred pages of text."""
MAX_TEMPLATE_BYTES = 1 * MiB
"""A page template or theme override in ``site_templates/``."""
MAX_ASSET_BYTES = 20 * MiB
"""One file in ``site_templates/assets/`` (a script, stylesheet, image or PDF)."""


FOLDER_LINK = "is a link to a folder, which is not followed; copy the folder into the project instead"


class FileRefused(Exception):
    """A file the generator will not read; the message says why and what to do, in one line."""


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every link in it followed, ends up inside ``root``."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit:,} bytes"


def _outside(path: Path) -> str:
    return (f"is a link to {os.path.realpath(path)}, outside the project folder; "
            "copy the file into the project instead")


def _refusal(info: os.stat_result, limit: int) -> str | None:
    """Why a file with this ``stat`` is not read, or None when it may be."""
    if stat.S_ISDIR(info.st_mode):
        return "expected a file but found a folder"
    if not stat.S_ISREG(info.st_mode):
        kinds = [(stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                 (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
        kind = next((name for test, name in kinds if test(info.st_mode)), "a special file")
        return f"is not a regular file ({kind}); only ordinary files are read"
    if info.st_size > limit:
        return f"is {info.st_size:,} bytes, more than the {_size(limit)} limit; split it up"
    return None


def read_bytes(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of a regular file inside ``root`` of at most ``limit`` bytes, else FileRefused.

    The file is opened without blocking (a FIFO opens at once) and checked with ``fstat`` on
    the open descriptor, so what is checked is what is read; the read itself stops at
    ``limit + 1`` bytes in case the file grew in between.
    """
    if not inside(path, root):
        raise FileRefused(_outside(path))
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:  # a socket cannot be opened at all: say what it is
        refusal = _refusal(os.stat(path), limit) if os.path.exists(path) else None
        raise FileRefused(refusal or f"cannot read file: {error.strerror or error}") from None
    try:
        refusal = _refusal(os.fstat(descriptor), limit)
        if refusal:
            raise FileRefused(refusal)
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise FileRefused(f"cannot read file: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise FileRefused(f"is more than the {_size(limit)} limit; split it up")
    return data


def tree_files(folder: Path, root: Path, limit: int) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every file under ``folder`` that may be read, and (path, reason) for every entry that may not.

    Links to folders are not followed (they could loop, or lead out of the project); a file
    is kept only when it, links followed, is inside ``root``. Nothing is opened here: reading
    goes through :func:`read_bytes`, which checks each file again.
    """
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for directory, subdirs, names in os.walk(folder, followlinks=False):
        base = Path(directory)
        subdirs.sort()
        for name in subdirs:
            if (base / name).is_symlink():
                refused.append((base / name, FOLDER_LINK))
        for name in sorted(names):
            path = base / name
            try:
                refusal = _outside(path) if not inside(path, root) else _refusal(path.stat(), limit)
            except OSError as error:
                refusal = f"cannot read file: {error.strerror or error}"
            if refusal:
                refused.append((path, refusal))
            else:
                files.append(path)
    return files, refused
