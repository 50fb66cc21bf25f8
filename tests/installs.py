"""Installs the tests make into the work tree (npm packages, the LRS's venv), one test process at
a time: ``make test`` runs two pytest-xdist workers, and two ``npm ci`` in one folder break it."""

from __future__ import annotations

import fcntl
import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def one_process_at_a_time(lock: Path) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated install holding an exclusive lock on the file ``lock``: a second worker
    waits, then finds the install done (each install checks its own stamp first)."""

    def decorate(install: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(install)
        def locked(*args: P.args, **kwargs: P.kwargs) -> R:
            with lock.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    return install(*args, **kwargs)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

        return locked

    return decorate
