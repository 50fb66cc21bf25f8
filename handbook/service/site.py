"""The site being served and the project it was built from, held together and swapped as one.

Records are checked against the project of the pages on screen: a rebuild swaps the
folder and its project in one assignment, and a failed rebuild swaps nothing, so after an
invalid edit records are still checked against the last good project.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from handbook.project import Project


@dataclass(frozen=True)
class Served:
    """One successful build: the site folder and the project its pages came from."""

    folder: Path
    project: Project


class NothingServed(Exception):
    """No build has succeeded yet, so there is no project to check a record against."""

    def __init__(self) -> None:
        super().__init__("the handbook sources have problems and nothing was built yet; fix them first")


class ServedSite:
    """The build now on screen; ``version`` counts the swaps, so pages can tell a new build."""

    def __init__(self, served: Served | None = None) -> None:
        self._served = served
        self.version = 0 if served is None else 1
        self._lock = threading.Lock()

    @property
    def current(self) -> Served | None:
        """The build on screen, or None before the first one succeeded."""
        return self._served

    def get(self) -> Served:
        """The build on screen; :class:`NothingServed` before the first one succeeded."""
        served = self._served
        if served is None:
            raise NothingServed
        return served

    def folder(self) -> Path | None:
        served = self._served
        return None if served is None else served.folder

    def swap(self, served: Served) -> Served | None:
        """Put a new build on screen; returns the one it replaced."""
        with self._lock:
            previous, self._served = self._served, served
            self.version += 1
        return previous
