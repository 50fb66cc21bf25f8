"""What the service's routes share: the store, the build on screen, the roster and the token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from handbook.models.handbook import RecordsSettings
from handbook.project import Project
from handbook.records.store import Store
from handbook.service.identity import SignedIn
from handbook.service.oidc import Provider
from handbook.service.ratelimit import RateLimiter
from handbook.service.sessions import Session, Sessions, SessionsUnavailable
from handbook.service.site import ServedSite

TOKEN_VARIABLE = "HANDBOOK_ADMIN_TOKEN"
MIN_TOKEN_LENGTH = 16  # sign-in is throttled too, but the token must be too long to guess anyway
SESSION_COOKIE = "handbook_hr"
SIGN_IN_COOKIE = "handbook_signin"
"""The OpenID sign-in's session cookie (SameSite=Lax: it is set as the provider sends the
browser back); the admin token's stays SameSite=Strict under ``SESSION_COOKIE``."""
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
    provider: Provider | None = None
    """The organisation's OpenID provider, discovered at start; None when sign-in is off."""

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

    def signed_in_session(self, request: Request) -> tuple[Session, SignedIn] | None:
        """The live OpenID session of the request's cookie and who it is, if it has one."""
        if self.provider is None or self.sessions is None:
            return None
        try:
            session = self.sessions.current(request.cookies.get(SIGN_IN_COOKIE, ""))
        except SessionsUnavailable:
            return None
        person = SignedIn.loads(session.identity) if session is not None else None
        return (session, person) if session is not None and person is not None else None

    def signed_in(self, request: Request) -> SignedIn | None:
        found = self.signed_in_session(request)
        return found[1] if found else None

    @property
    def hr_enabled(self) -> bool:
        """Whether HR can get in at all: an admin token is set, or sign-in is on."""
        return bool(self.token) or self.provider is not None

    def authorised(self, request: Request) -> bool:
        """A bearer token equal to HANDBOOK_ADMIN_TOKEN (for scripts), a live HR session, or a
        person signed in through the organisation's provider whom its rule makes HR. Says who
        in ``request.state.who``, for the audit log."""
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if self.token and scheme.lower() == "bearer" and given:
            request.state.who = "bearer-token"
            return hmac.compare_digest(given.strip().encode(), self.token.encode())
        if self.session(request) is not None:
            request.state.who = "admin-token"
            return True
        person = self.signed_in(request)
        if person is not None and person.hr:
            request.state.who = f"oidc:{person.person.get('email') or person.person['employee_id']}"
            return True
        return False
