"""What the service's routes share: the store, the build on screen, the roster and the token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from handbook.models.handbook import RecordsSettings
from handbook.project import Project
from handbook.records.store import Store
from handbook.service.ratelimit import RateLimiter
from handbook.service.sessions import Session, Sessions, SessionsUnavailable
from handbook.service.site import ServedSite

TOKEN_VARIABLE = "HANDBOOK_ADMIN_TOKEN"
MIN_TOKEN_LENGTH = 16  # sign-in is throttled too, but the token must be too long to guess anyway
SESSION_COOKIE = "handbook_hr"
SIGN_INS_PER_MINUTE = 10


def token_problem(token: str | None) -> str | None:
    """Why a configured admin token must not be used, if it must not."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        return (f"{TOKEN_VARIABLE} is too short ({len(token)} characters; use at least "
                f"{MIN_TOKEN_LENGTH}): python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return None


@dataclass
class ServiceState:
    store: Store
    site: ServedSite
    roster: Path | None = None
    token: str | None = None
    limiter: RateLimiter | None = None
    sessions: Sessions | None = None
    sign_in_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(SIGN_INS_PER_MINUTE))

    @property
    def project(self) -> Project:
        """The project of the pages on screen (:class:`NothingServed` before the first build)."""
        return self.site.get().project

    @property
    def settings(self) -> RecordsSettings:
        return self.project.handbook.records

    def rate_limiter(self) -> RateLimiter:
        per_minute = self.settings.rate_limit_per_minute
        if self.limiter is None or self.limiter.per_minute != per_minute:
            self.limiter = RateLimiter(per_minute)
        return self.limiter

    def session(self, request: Request) -> Session | None:
        """The live HR session of the request's cookie, if it has one."""
        if not self.token or self.sessions is None:
            return None
        try:
            return self.sessions.current(request.cookies.get(SESSION_COOKIE, ""))
        except SessionsUnavailable:  # the sign-in says why; bearer scripts still work
            return None

    def authorised(self, request: Request) -> bool:
        """A bearer token equal to HANDBOOK_ADMIN_TOKEN (for scripts), or a live HR session."""
        if not self.token:
            return False
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and given:
            return hmac.compare_digest(given.strip().encode(), self.token.encode())
        return self.session(request) is not None
