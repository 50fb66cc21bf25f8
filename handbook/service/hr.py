"""The HR page: the completion report, live from the store, with the CSV downloads.

Sign-in takes the admin token in a POST body (never in a URL), throttled per client address,
and starts a server-side session (:mod:`handbook.service.sessions`) whose random id goes in
an HttpOnly, SameSite=Strict cookie (Secure over HTTPS). Sign-in and sign-out are refused
from other sites and without their CSRF token (:mod:`handbook.service.csrf`). A bearer
header with the token works too, for scripts. Each sign-in, refusal and sign-out is audited.
With the organisation's sign-in on (:mod:`handbook.service.signin`), a person its HR rule
names opens the page and the exports without the token.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from handbook.checks.review import reviews_due
from handbook.palette import project_look
from handbook.records import csv as records_csv
from handbook.records.contract import EXPORTS
from handbook.records.html import SITE_HOME, render_login, render_report
from handbook.records.report import STATUS_EXCEL_FILE, Report, build_report, status_csv
from handbook.records.roster import read_roster
from handbook.service import csrf
from handbook.service.logs import audit
from handbook.service.sessions import Session, SessionsUnavailable
from handbook.service.signin import LOGIN
from handbook.service.state import SESSION_COOKIE, SIGN_IN_COOKIE, TOKEN_VARIABLE, ServiceState

MAX_LOGIN_BODY = 4096
TURNED_OFF = (f"The HR page is turned off on this server: IT turns it on by setting an HR access code "
              f"({TOKEN_VARIABLE}) where the records service runs, or the handbook's sign_in settings.")
NO_ROSTER = ("No staff roster yet: IT starts the service with --roster roster.csv (or puts roster.csv in the "
             "project folder) to show who still has to act.")
WRONG_CODE = "That access code is not right: check it and try again."
FORM_SECONDS = 3600
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # not no-referrer: browsers then send "Origin: null" on sign-in
    "X-Content-Type-Options": "nosniff",
}


def hr_routes(state: ServiceState) -> list[Route]:
    def login_page(message: str = "", status: int = 200, error: bool = False,
                   request: Request | None = None, headers: dict[str, str] | None = None) -> HTMLResponse:
        """The sign-in page; given the ``request``, with the form's CSRF token (and its cookie)."""
        token = csrf.form_token(request) if request is not None and state.token else ""
        sign_in = f"{LOGIN}?next=/hr" if state.provider is not None else ""
        html = render_login(state.project.handbook.site_title, message, error, bool(state.token), token,
                            sign_in, project_look(state.project.root))
        response = HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})
        if request is not None and token:
            csrf.set_cookie(response, request, csrf.FORM_COOKIE, token, FORM_SECONDS)
        return response

    async def form_body(request: Request) -> bytes | None:
        """The posted form, or None past MAX_LOGIN_BODY."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_LOGIN_BODY:
                return None
        return body

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def current_report() -> tuple[Report | None, list[str]]:
        if state.roster is None or not state.roster.exists():
            return None, []
        project = state.project
        people, problems = read_roster(state.roster, {role.id for role in project.roles}, state.roster.name)
        report = build_report(project, people, state.store.rows(), datetime.now(UTC).date())
        return report, problems

    def not_hr(request: Request) -> HTMLResponse | None:
        """The refusal for a person signed in who is not HR (None when nobody is signed in)."""
        signed = state.signed_in(request)
        if signed is None:
            return None
        return login_page(f"You are signed in as {signed.label}, who is not HR, so this page is not open to "
                          "you. If you should be, ask IT to add you to HR's group.", 403, error=True,
                          request=request)

    def hr_session(request: Request) -> Session | None:
        """The session whose CSRF token the page's forms carry: the admin token's, or the sign-in's."""
        found = state.signed_in_session(request)
        return state.session(request) or (found[0] if found else None)

    def who(request: Request) -> str:
        """Who the page says is signed in: the person's account, or the access code."""
        if state.session(request) is not None:
            return "Signed in with the HR access code"
        signed = state.signed_in(request)
        return f"Signed in as {signed.label}" if signed is not None else ""

    async def page(request: Request) -> Response:
        if not state.hr_enabled:
            return login_page(TURNED_OFF, 503,
                              error=True)
        if not await run_in_threadpool(state.authorised, request):
            return not_hr(request) or login_page(request=request)
        session = await run_in_threadpool(hr_session, request)
        report, problems = await run_in_threadpool(current_report)
        totals = [(name, await run_in_threadpool(state.store.count, export.kind))
                  for name, export in EXPORTS.items()]
        no_report = (NO_ROSTER
                     if report is None else "")
        html = render_report(report, "HR: who has done what their role requires", live=True,
                             site_title=state.project.handbook.site_title, home_href=SITE_HOME,
                             exports=tuple(EXPORTS), totals=totals, no_report=no_report,
                             as_of=date.today().isoformat(), roster_problems=problems,
                             reviews=reviews_due(state.project, date.today()),
                             csrf=session.csrf if session else "", signed_in=who(request),
                             look=project_look(state.project.root))
        return HTMLResponse(html, headers=HEADERS)

    async def login(request: Request) -> Response:
        if not state.token or state.sessions is None:
            return login_page(TURNED_OFF, 503, error=True)
        address = client(request)
        foreign = csrf.foreign_origin(request)
        if foreign:
            audit("sign-in refused", address, reason="foreign-origin")
            return login_page(f"Sign-in refused: {foreign}.", 403, error=True, request=request)
        limiter = state.sign_in_limiter
        wait = limiter.take(address)
        if wait:
            audit("sign-in refused", address, reason="throttled")
            retry = limiter.retry_after(wait)
            return login_page(f"Too many sign-in attempts from this address; try again in {retry} seconds.",
                              429, error=True, request=request, headers={"Retry-After": retry})
        body = await form_body(request)
        if body is None:
            return login_page("That sign-in was too large.", 413, error=True, request=request)
        if not csrf.matches(csrf.form_value(body, csrf.FIELD), request.cookies.get(csrf.FORM_COOKIE, "")):
            audit("sign-in refused", address, reason="csrf")
            return login_page("This sign-in form had expired. It is fresh now: please sign in again.", 403,
                              error=True, request=request)
        if not hmac.compare_digest(csrf.form_value(body, "token").encode(), state.token.encode()):
            audit("sign-in failed", address, method="admin-token")
            return login_page(WRONG_CODE, 401, error=True, request=request)
        sessions = state.sessions
        try:
            await run_in_threadpool(sessions.end, request.cookies.get(SESSION_COOKIE, ""))  # a fresh id
            session_id, _ = await run_in_threadpool(sessions.begin, "admin-token")
        except SessionsUnavailable as error:
            message = f"Sign-in is unavailable: {error}. Scripts can still use the bearer token."
            return login_page(message, 503, error=True)
        audit("sign-in ok", address, method="admin-token")
        response = RedirectResponse("/hr", status_code=303, headers=HEADERS)
        csrf.set_cookie(response, request, SESSION_COOKIE, session_id, int(sessions.policy.absolute))
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/hr", status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        response.delete_cookie(SIGN_IN_COOKIE, path="/", httponly=True, samesite="lax")
        session = await run_in_threadpool(hr_session, request)
        if session is None or state.sessions is None:
            return response  # nothing to end: the cookie is cleared all the same
        foreign = csrf.foreign_origin(request)
        body = await form_body(request) or b""
        if foreign or not csrf.matches(csrf.form_value(body, csrf.FIELD), session.csrf):
            audit("sign-out refused", client(request), reason="foreign-origin" if foreign else "csrf")
            return login_page("Sign-out refused: that form did not come from this HR page.", 403, error=True,
                              request=request)
        try:
            for cookie in (SESSION_COOKIE, SIGN_IN_COOKIE):
                await run_in_threadpool(state.sessions.end, request.cookies.get(cookie, ""))
        except SessionsUnavailable as error:
            return login_page(f"Sign-out failed: {error}.", 503, error=True)
        audit("sign-out", client(request), method=session.subject)
        return response

    async def status_download(request: Request) -> Response:
        return await status_file(request, excel=False)

    async def status_excel(request: Request) -> Response:
        return await status_file(request, excel=True)

    async def status_file(request: Request, excel: bool) -> Response:
        if not state.hr_enabled or not state.authorised(request):
            status = 401 if state.hr_enabled else 503
            return not_hr(request) or login_page("Sign in first.", status, error=True)
        report, _ = await run_in_threadpool(current_report)
        if report is None:
            return login_page("No roster is configured (--roster).", 404, error=True)
        body = records_csv.encoded(status_csv(report, excel=excel))
        name = STATUS_EXCEL_FILE if excel else "status.csv"
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)

    return [
        Route("/hr", page, methods=["GET"]),
        Route("/hr/login", login, methods=["POST"]),
        Route("/hr/logout", logout, methods=["POST"]),
        Route("/hr/status.csv", status_download, methods=["GET"]),
        Route(f"/hr/{STATUS_EXCEL_FILE}", status_excel, methods=["GET"]),
    ]
