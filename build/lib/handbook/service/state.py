"""What the service's routes share: the store, the current project, the settings and the token."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from handbook.models.handbook import RecordsSettings
from handbook.project import Project, load_project
from handbook.records.store import Store
from handbook.service.ratelimit import RateLimiter

TOKEN_VARIABLE = "HANDBOOK_ADMIN_TOKEN"
MIN_TOKEN_LENGTH = 16  # the HR sign-in is not throttled: the token must be too long to guess
SESSION_COOKIE = "handbook_hr"


class SourcesBroken(RuntimeError):
    """The handbook sources have problems and no earlier good version was loaded."""


class ProjectSource:
    """The project as last validated; reloaded after each successful site rebuild.

    ``version`` is the live site's build counter, so an edit that breaks the sources keeps
    records checked against the last good project, the one the served pages came from.
    """

    def __init__(self, root: Path, version: Callable[[], int] = lambda: 0) -> None:
        self.root = root
        self._version = version
        self._seen: int | None = None
        self._project: Project | None = None
        self._lock = threading.Lock()

    def get(self) -> Project:
        with self._lock:
            if self._project is None or self._version() != self._seen:
                project, problems = load_project(self.root)
                if project is not None:
                    self._project = project
                elif self._project is None:
                    lines = "\n".join(map(str, problems))
                    raise SourcesBroken(f"the handbook sources have problems:\n{lines}")
                self._seen = self._version()
            return self._project


@dataclass
class ServiceState:
    root: Path
    store: Store
    projects: ProjectSource
    roster: Path | None = None
    token: str | None = field(default_factory=lambda: os.environ.get(TOKEN_VARIABLE) or None)
    limiter: RateLimiter | None = None

    @property
    def settings(self) -> RecordsSettings:
        return self.projects.get().handbook.records

    def rate_limiter(self) -> RateLimiter:
        per_minute = self.settings.rate_limit_per_minute
        if self.limiter is None or self.limiter.per_minute != per_minute:
            self.limiter = RateLimiter(per_minute)
        return self.limiter

    def token_problem(self) -> str | None:
        """Why the configured token must not be used, if it must not."""
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            return (f"{TOKEN_VARIABLE} is too short ({len(self.token)} characters; use at least "
                    f"{MIN_TOKEN_LENGTH}): python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return None

    def session_value(self) -> str:
        """The HR cookie's value: derived from the token, so the token itself is never stored."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b"handbook-hr-session", hashlib.sha256).hexdigest()

    def authorised(self, request: Request) -> bool:
        """A bearer token equal to HANDBOOK_ADMIN_TOKEN, or the cookie the HR login sets."""
        if not self.token:
            return False
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and given:
            return hmac.compare_digest(given.strip().encode(), self.token.encode())
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self.session_value().encode())
