"""The HR page: the completion report, live from the store, with the CSV downloads.

Sign-in takes the admin token in a POST body (never in a URL) and sets an HttpOnly,
SameSite=Strict cookie derived from the token; a bearer header works too.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from handbook.records import csv as records_csv
from handbook.records.contract import EXPORTS
from handbook.records.html import render_login, render_report
from handbook.records.report import STATUS_EXCEL_FILE, Report, build_report, status_csv
from handbook.records.roster import read_roster
from handbook.service.state import SESSION_COOKIE, TOKEN_VARIABLE, ServiceState

MAX_LOGIN_BODY = 4096
SESSION_SECONDS = 8 * 3600
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def hr_routes(state: ServiceState) -> list[Route]:
    def login_page(message: str = "", status: int = 200, error: bool = False) -> HTMLResponse:
        html = render_login(state.project.handbook.site_title, message, error, bool(state.token))
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def current_report() -> tuple[Report | None, list[str]]:
        if state.roster is None or not state.roster.exists():
            return None, []
        project = state.project
        people, problems = read_roster(state.roster, {role.id for role in project.roles}, state.roster.name)
        report = build_report(project, people, state.store.rows(), datetime.now(UTC).date())
        return report, problems

    async def page(request: Request) -> Response:
        if not state.token:
            return login_page(f"The HR page is disabled: set {TOKEN_VARIABLE} where the service runs.", 503,
                              error=True)
        if not state.authorised(request):
            return login_page()
        report, problems = await run_in_threadpool(current_report)
        totals = [(name, await run_in_threadpool(state.store.count, export.kind))
                  for name, export in EXPORTS.items()]
        no_report = ("No roster: start the service with --roster roster.csv to see who still has to act."
                     if report is None else "")
        html = render_report(report, f"HR: {state.project.handbook.site_title}", live=True,
                             exports=tuple(EXPORTS), totals=totals, no_report=no_report,
                             as_of=date.today().isoformat(), roster_problems=problems)
        return HTMLResponse(html, headers=HEADERS)

    async def login(request: Request) -> Response:
        if not state.token:
            return login_page(f"The HR page is disabled: set {TOKEN_VARIABLE}.", 503, error=True)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_LOGIN_BODY:
                return login_page("That sign-in was too large.", 413, error=True)
        given = (parse_qs(body.decode("utf-8", "replace")).get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), state.token.encode()):
            return login_page("That token is not right.", 401, error=True)
        response = RedirectResponse("/hr", status_code=303, headers=HEADERS)
        response.set_cookie(SESSION_COOKIE, state.session_value(), max_age=SESSION_SECONDS, path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/hr", status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    async def status_download(request: Request) -> Response:
        return await status_file(request, excel=False)

    async def status_excel(request: Request) -> Response:
        return await status_file(request, excel=True)

    async def status_file(request: Request, excel: bool) -> Response:
        if not state.token or not state.authorised(request):
            return login_page("Sign in first.", 401 if state.token else 503, error=True)
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
