"""Sign-in through the organisation's OpenID provider, for staff and HR.

``GET /auth/login`` starts an authorization code flow (PKCE, state and nonce made by Authlib,
:mod:`handbook.service.oidc`) and remembers it here, bound to the browser that started it by a
cookie; ``GET /auth/callback`` takes each flow back at most once (a replayed or unknown state
is refused), verifies the ID token and starts a server-side session in the same store as the HR
sessions (:mod:`handbook.service.sessions`). ``POST /auth/logout`` ends it (CSRF-checked like
the HR forms). ``GET /api/me`` tells the site's pages who is signed in, so they can fill and
lock the person fields; the records API itself takes the person from the session
(:mod:`handbook.service.identity`). Every refusal ends on a page that says what went wrong.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from handbook.palette import project_look
from handbook.records.html import render_signin_error
from handbook.service import csrf
from handbook.service.logs import audit
from handbook.service.oidc import Authorization, SignInRefused
from handbook.service.sessions import SessionsUnavailable
from handbook.service.state import SIGN_IN_COOKIE, ServiceState

FLOW_COOKIE = "handbook_signin_flow"
FLOW_SECONDS = 600
MAX_FLOWS = 10_000
MAX_FORM = 4096
LOGIN, CALLBACK, LOGOUT, ME = "/auth/login", "/auth/callback", "/auth/logout", "/api/me"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}
REPLAYED = ("This sign-in link was already used, is more than ten minutes old, or was started in another "
            "browser, so it cannot sign anyone in.")


@dataclass(frozen=True)
class Flow:
    authorization: Authorization
    browser: str
    """The hash of the random value in the starting browser's flow cookie."""
    next: str
    started: float


class Flows:
    """Sign-ins on their way through the provider, keyed by state; each is taken back once."""

    def __init__(self) -> None:
        self._flows: dict[str, Flow] = {}
        self._lock = threading.Lock()

    def add(self, flow: Flow) -> None:
        with self._lock:
            now = time.monotonic()
            for state in [s for s, f in self._flows.items() if now - f.started > FLOW_SECONDS]:
                del self._flows[state]
            while len(self._flows) >= MAX_FLOWS:  # a flood of starts forgets the oldest, not the memory
                del self._flows[next(iter(self._flows))]
            self._flows[flow.authorization.state] = flow

    def take(self, state: str) -> Flow | None:
        """The flow of ``state``, forgotten at once: a second callback with it finds nothing."""
        with self._lock:
            flow = self._flows.pop(state, None)
        return flow if flow is not None and time.monotonic() - flow.started <= FLOW_SECONDS else None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def local_path(target: str | None) -> str:
    """Where to go after signing in or out: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


async def small_body(request: Request) -> bytes:
    """A posted form of at most MAX_FORM bytes ("" past that: its fields are then missing)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return b""
    return body


def signin_routes(state: ServiceState) -> list[Route]:
    flows = Flows()

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def error_page(message: str, status: int, retry: str = "/") -> HTMLResponse:
        retry_href = f"{LOGIN}?next={quote(local_path(retry), safe='/')}"
        html = render_signin_error(state.project.handbook.site_title, message, retry_href,
                                   project_look(state.project.root))
        response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
        response.delete_cookie(FLOW_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    async def login(request: Request) -> Response:
        provider = state.provider
        if provider is None:
            return error_page("Sign-in is not set up on this server; what you send is recorded as typed "
                              "by you.", 404)
        target = local_path(request.query_params.get("next"))
        authorization = await provider.authorization()
        browser = secrets.token_urlsafe(32)
        flows.add(Flow(authorization, _hash(browser), target, time.monotonic()))
        response = RedirectResponse(authorization.url, status_code=303, headers={"Cache-Control": "no-store"})
        csrf.set_cookie(response, request, FLOW_COOKIE, browser, FLOW_SECONDS, samesite="lax")
        return response

    async def callback(request: Request) -> Response:
        provider, sessions, address = state.provider, state.sessions, client(request)
        if provider is None or sessions is None:
            return error_page("Sign-in is not set up on this server.", 404)
        params = request.query_params
        flow = flows.take(params.get("state", ""))
        browser = request.cookies.get(FLOW_COOKIE, "")
        if flow is None or not csrf.matches(_hash(browser), flow.browser):
            audit("sign-in refused", address, method="oidc", reason="state")
            return error_page(REPLAYED, 400, flow.next if flow else "/")
        if params.get("error"):
            said = params.get("error_description") or params["error"]
            audit("sign-in refused", address, method="oidc", reason="provider-error")
            return error_page(f"The sign-in provider did not sign you in: {said[:300]}", 401, flow.next)
        try:
            person = await provider.signed_in(params.get("code", ""), flow.authorization)
        except SignInRefused as refused:
            audit("sign-in refused", address, method="oidc", reason=refused.reason)
            return error_page(refused.message, 401, flow.next)
        who = person.person.get("email") or person.person["employee_id"]
        try:
            await run_in_threadpool(sessions.end, request.cookies.get(SIGN_IN_COOKIE, ""))  # a fresh id
            session_id, _ = await run_in_threadpool(sessions.begin, f"oidc:{who}", person.dumps())
        except SessionsUnavailable as error:
            return error_page(f"Sign-in is unavailable: {error}.", 503, flow.next)
        audit("sign-in ok", address, method="oidc", who=quote(who, safe="@.+-_"),
              hr="yes" if person.hr else "no")
        response = RedirectResponse(flow.next, status_code=303, headers={"Cache-Control": "no-store"})
        csrf.set_cookie(response, request, SIGN_IN_COOKIE, session_id, int(sessions.policy.absolute),
                        samesite="lax")
        response.delete_cookie(FLOW_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    async def logout(request: Request) -> Response:
        """Ends the local session (the provider's own stays: signing out there is its business)."""
        body = await small_body(request)
        target = local_path(csrf.form_value(body, "next"))
        response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        response.delete_cookie(SIGN_IN_COOKIE, path="/", httponly=True, samesite="lax")
        found = await run_in_threadpool(state.signed_in_session, request)
        if found is None or state.sessions is None:
            return response
        session = found[0]
        foreign = csrf.foreign_origin(request)
        if foreign or not csrf.matches(csrf.form_value(body, csrf.FIELD), session.csrf):
            audit("sign-out refused", client(request), reason="foreign-origin" if foreign else "csrf")
            return error_page("Sign-out refused: that form did not come from this site.", 403, target)
        try:
            await run_in_threadpool(state.sessions.end, request.cookies.get(SIGN_IN_COOKIE, ""))
        except SessionsUnavailable as error:
            return error_page(f"Sign-out failed: {error}.", 503, target)
        audit("sign-out", client(request), method="oidc", who=quote(session.subject, safe="@.+-_:"))
        return response

    async def me(request: Request) -> Response:
        """Who the pages should say is signed in; with sign-in off, only that it is off."""
        answer: dict[str, Any] = {"sign_in": state.provider is not None, "signed_in": False}
        if state.provider is not None:
            answer |= {"login": LOGIN, "logout": LOGOUT,
                       "exams_require_sign_in": state.provider.settings.exams_require_sign_in}
            found = await run_in_threadpool(state.signed_in_session, request)
            if found is not None:
                session, person = found
                answer |= {"signed_in": True, "identity": "oidc", "issuer": person.issuer,
                           "label": person.label, "person": person.person, "hr": person.hr,
                           "csrf": session.csrf}
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    return [Route(LOGIN, login, methods=["GET"]), Route(CALLBACK, callback, methods=["GET"]),
            Route(LOGOUT, logout, methods=["POST"]), Route(ME, me, methods=["GET"])]
