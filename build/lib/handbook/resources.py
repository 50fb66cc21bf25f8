"""Files the package ships (page templates, assets, theme overrides, HR templates), found with
``importlib.resources`` so an installed wheel works with no checkout anywhere."""

from __future__ import annotations

import atexit
import functools
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path

_open = ExitStack()
atexit.register(_open.close)


@functools.cache
def package_path(*parts: str) -> Path:
    """A real folder for a packaged resource (extracted once if the package is zipped)."""
    resource = files("handbook").joinpath(*parts)
    return Path(_open.enter_context(as_file(resource)))


def builtin_templates() -> Path:
    """The built-in ``site_templates`` folder: pages, assets and theme overrides."""
    return package_path("site_templates")


def hr_templates() -> Path:
    """Templates of the HR pages and the completion report."""
    return package_path("records", "templates")
