"""The one composition root: the records API, the exports, the HR page and the built site,
as one ASGI app. The CLI (``serve``, ``preview``), the tests and the benchmarks all make
their app here, so what they run is wired the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handbook.records.store import Store
from handbook.service.api import (
    RECORDS_PATH,
    Shortcut,
    error_handlers,
    export_routes,
    fallback_routes,
    plain_endpoint,
    problem,
    record_poster,
    record_routes,
)
from handbook.service.exams import exam_routes
from handbook.service.headers import SecurityHeaders
from handbook.service.hr import hr_routes
from handbook.service.logs import AccessLog
from handbook.service.oidc import Provider
from handbook.service.ratelimit import RateLimiter
from handbook.service.sessions import Clock, SessionPolicy, Sessions, session_store
from handbook.service.signin import signin_routes
from handbook.service.site import ServedSite
from handbook.service.state import SIGN_INS_PER_MINUTE, ServiceState
from handbook.static import site_routes

DEFAULT_POLICY = SessionPolicy()


def create_app(site: ServedSite, store: Store, *, token: str | None = None, roster: Path | None = None,
               routes: Sequence[BaseRoute] = (), on_html: Callable[[str], str] | None = None,
               sessions: SessionPolicy = DEFAULT_POLICY, clock: Clock = time.time,
               provider: Provider | None = None) -> Starlette:
    """The service over ``site`` (the build on screen and its project) and ``store``.

    ``token`` enables the exports and the HR page; ``roster`` is the CSV the HR page reports
    on. ``routes`` go first and ``on_html`` changes each page served: the preview adds its
    reload endpoints and script that way, so production never has them. HR sessions live in
    the records database under the ``sessions`` policy; ``clock`` is what they (and the sign-in
    throttle) read the time from, so tests can move it on. ``provider`` is the organisation's
    OpenID provider, already discovered (:func:`handbook.service.oidc.discover`): with it,
    people sign in and records name who sent them.
    """
    hr_sessions = Sessions(session_store(store.database), sessions, clock)
    state = ServiceState(store, site, roster, token, sessions=hr_sessions,
                         sign_in_limiter=RateLimiter(SIGN_INS_PER_MINUTE, clock), provider=provider)
    post_record, handlers = record_poster(state), error_handlers(state)
    every = [*routes, *record_routes(state, post_record), *exam_routes(state), *export_routes(state),
             *signin_routes(state), *fallback_routes(),
             *hr_routes(state), *site_routes(site.folder, on_html)]
    # Outermost first: every answer is logged and carries the security headers, the JSON 500 too;
    # a record's post then goes straight to its endpoint (the route stays, for the router's 405s).
    middleware = [Middleware(AccessLog), Middleware(SecurityHeaders), Middleware(CatchAll),
                  Middleware(Shortcut, "POST", RECORDS_PATH, plain_endpoint(post_record, handlers))]
    return Starlette(routes=every, exception_handlers=handlers, middleware=middleware)


LOG = logging.getLogger("handbook.service")


class CatchAll:
    """Anything a route did not expect becomes a JSON 500 with a message and one log line,
    never a traceback in the log or an HTML error page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # the one place that may catch everything
            LOG.error("%s %s failed: %s: %s", scope.get("method"), scope.get("path"),
                      type(error).__name__, str(error)[:300])
            if not started:
                response = problem(500, "the service failed to answer this request; it has been logged")
                await response(scope, receive, send)
