"""``POST /api/records`` and the CSV exports.

Every refusal is a 4xx (or 503) with a JSON body ``{"error", "detail", "problems"}``;
``detail`` is what the browser shows (assets/js/records.js reads it). The records domain
raises :class:`~handbook.records.errors.RecordError`; :data:`STATUS` is the one place that
says which status each error gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import anyio
import anyio.to_thread
from pydantic import ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from handbook.project import Project
from handbook.records import csv as records_csv
from handbook.records.contract import EXPORTS, SignedInAs
from handbook.records.errors import (
    Conflict,
    Expired,
    InvalidRecord,
    NotAllowed,
    NotCurrent,
    NotFound,
    RecordError,
    SignInRequired,
    StoreBusy,
    StoreUnavailable,
    TooLarge,
    TooSoon,
    Unreadable,
)
from handbook.records.intake import accept, checked, parse, reads_store, settled
from handbook.records.labels import Labels
from handbook.records.model import Person, PersonBlock, Record, error_messages
from handbook.records.store import Store, Stored
from handbook.service.identity import SignedIn, bound_person
from handbook.service.middleware import HttpMiddleware
from handbook.service.openapi import openapi_document
from handbook.service.site import NothingServed
from handbook.service.state import TOKEN_VARIABLE, ServiceState

MAX_BODY = 64 * 1024

STATUS: dict[type[Exception], int] = {
    Unreadable: 400,
    TooLarge: 413,
    InvalidRecord: 422,  # UnknownReference too: it is an InvalidRecord
    Conflict: 409,  # an exam attempt answered twice too
    NotCurrent: 409,  # an acknowledgement of a policy version no longer current (says which is)
    NotFound: 404,  # an unknown exam or exam attempt
    NotAllowed: 403,  # another person's attempt, every attempt used, or a record for someone else
    SignInRequired: 401,  # an exam when the handbook's sign-in requires it
    Expired: 410,
    TooSoon: 429,  # an exam's waiting period (with Retry-After)
    StoreUnavailable: 503,
    NothingServed: 503,
}
"""Domain error -> HTTP status; the most specific class listed for an error wins."""


def problem(status: int, messages: list[str] | str, headers: dict[str, str] | None = None) -> JSONResponse:
    messages = [messages] if isinstance(messages, str) else messages
    body = {"error": HTTPStatus(status).phrase, "detail": "; ".join(messages), "problems": messages}
    return JSONResponse(body, status_code=status, headers=headers)


def status_for(error: Exception) -> int:
    """The HTTP status of a domain error: that of the most specific class :data:`STATUS` lists."""
    return next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)


def error_handlers(state: ServiceState) -> dict[Any, Any]:
    """The exception handler for every domain error the routes let through."""

    async def refused(request: Request, error: Exception) -> Response:
        status = status_for(error)
        messages = error.messages if isinstance(error, RecordError) else [str(error)]
        headers = {} if isinstance(error, NothingServed) else cors_headers(state, request) or {}
        retry_after = getattr(error, "retry_after", None)  # a locked or full store, an exam's wait
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return problem(status, messages, headers)

    return dict.fromkeys(STATUS, refused)


def stored_answer(stored: Stored) -> dict[str, Any]:
    """What the client is told about a stored record (the same for the first post and any replay)."""
    message = "Recorded." if stored.score_note is None else f"Recorded; {stored.score_note}."
    return {"status": "stored", "id": stored.id, "received_at": stored.received_at,
            "score": stored.score, "passed": stored.passed,
            "score_mismatch": stored.score_note is not None, "message": message}


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def cors_headers(state: ServiceState, request: Request) -> dict[str, str] | None:
    """Headers for a permitted origin; None when the origin may not post here."""
    origin = request.headers.get("origin")
    if origin is None or origin == own_origin(request):
        return {}
    if origin in state.settings.allowed_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return None


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 past MAX_BODY whatever Content-Length claims."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Unreadable("Content-Length is not a number")
        if int(declared) > MAX_BODY:
            raise TooLarge(f"the body is larger than {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge(f"the body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


STORE_WORKERS = 32
"""Threads of the store's own (never the pool that serves the site's files), so a locked
database cannot hold up a CSS file."""
STORE_WAIT = 5.0
"""How long a request waits (asynchronously, holding no thread) for one of those threads
before it is answered 503 with Retry-After."""


def store_runner(workers: int = STORE_WORKERS, wait: float = STORE_WAIT) -> Any:
    """Run blocking store work on at most ``workers`` threads of its own; a request that
    cannot get one within ``wait`` seconds gets :class:`StoreBusy`."""
    made: list[tuple[anyio.Semaphore, anyio.CapacityLimiter]] = []

    async def run(function: Any, *arguments: Any) -> Any:
        if not made:  # made in the event loop that serves
            made.append((anyio.Semaphore(workers), anyio.CapacityLimiter(workers)))
        gate, threads = made[0]
        try:
            with anyio.fail_after(wait):
                await gate.acquire()
        except TimeoutError:
            raise StoreBusy("the records database is busy; try again shortly") from None
        try:
            return await anyio.to_thread.run_sync(function, *arguments, limiter=threads)
        finally:
            gate.release()

    return run


async def admitted_body(state: ServiceState, request: Request) -> tuple[dict[str, str], bytes] | Response:
    """The CORS headers and JSON body of a post the service takes, or the refusal: a foreign
    origin, too many posts from one address, not JSON, too large."""
    cors = cors_headers(state, request)
    if cors is None:
        return problem(403, f"origin {request.headers.get('origin')} may not send records here")
    client = request.client.host if request.client else "unknown"
    limiter = state.rate_limiter()
    wait = limiter.take(client)
    if wait:
        headers = {**cors, "Retry-After": limiter.retry_after(wait)}
        return problem(429, "too many records from this address; try again shortly", headers)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        return problem(415, "send the record as application/json", cors)
    try:
        return cors, await read_body(request)
    except ClientDisconnect:
        return problem(400, "the client went away before sending the whole body")


def signed_person(signed: SignedIn, record: Record) -> PersonBlock:
    """The record's person block with the sign-in's fields; :class:`InvalidRecord` when what the
    provider says does not make a valid one (an email that is not one)."""
    try:
        person: PersonBlock = Person.model_validate(bound_person(signed, record.person.model_dump()))
    except ValidationError as error:
        problems = [f"person (from your sign-in).{line}" for line in error_messages(error)]
        raise InvalidRecord(problems) from None
    return person


def signed_in_here(state: ServiceState, request: Request) -> SignedIn | None:
    """Who sign-in says sends this request: only for a post from the site's own pages (a
    permitted other origin posts without the cookie's say)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        return None
    return state.signed_in(request)


class Waker:
    """Settles, on its event loop, the futures of records the writer thread has committed: one
    call into the loop (a write to its self-pipe) for each batch, not one for each record."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._ready: list[asyncio.Future[None]] = []
        self._lock = threading.Lock()

    def wake(self, committed: asyncio.Future[None]) -> None:
        """On the writer thread: ``committed`` is settled soon, on the loop."""
        with self._lock:
            first = not self._ready
            self._ready.append(committed)
        if first:  # else a settle is already on its way and takes this one too
            with contextlib.suppress(RuntimeError):  # a loop already closed has nobody left to tell
                self.loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
        for committed in ready:
            if not committed.done():
                committed.set_result(None)


def waker_here(made: list[Waker]) -> Waker:
    """The :class:`Waker` of the running loop, kept in ``made`` (made again for another loop)."""
    loop = asyncio.get_running_loop()
    if not made or made[0].loop is not loop:
        made[:] = [Waker(loop)]
    return made[0]


async def accept_on_loop(project: Project, store: Store, record: Record, source: str,
                         run_store: Any, identity: SignedInAs | None = None,
                         wakers: list[Waker] | None = None) -> Stored:
    """:func:`~handbook.records.intake.accept` without a thread per request: the checks (CPU
    only) run here and the request awaits its commit, answered by the store's writer thread
    through the event loop. A record of an earlier policy version needs a store read to be
    checked, so it takes a store thread as before. ``wakers``: where the loop's
    :class:`Waker` is kept between requests."""
    if reads_store(project, record):
        stored: Stored = await run_store(accept, project, store, record, source, identity)
        return stored
    grading = checked(project, store, record, source)
    waker = waker_here([] if wakers is None else wakers)
    committed: asyncio.Future[None] = waker.loop.create_future()
    pending = store.submit(record, grading.score, grading.passed, grading.pass_mark, grading.mismatch, source,
                           on_done=functools.partial(waker.wake, committed), identity=identity)
    await asyncio.shield(committed)  # a client that leaves does not undo its record
    return settled(record, store.answer(pending))


Endpoint = Callable[[Request], Awaitable[Response]]
RECORDS_PATH = "/api/records"


def record_poster(state: ServiceState) -> Endpoint:
    """The endpoint of ``POST /api/records`` (one per app: its store threads and loop waker)."""
    run_store, wakers = store_runner(), list[Waker]()

    async def post_record(request: Request) -> Response:
        admitted = await admitted_body(state, request)
        if isinstance(admitted, Response):
            return admitted
        cors, body = admitted
        record = parse(body)
        project = state.project  # read once: the project of the pages on screen now
        signed = signed_in_here(state, request)
        if signed is not None:
            record = record.model_copy(update={"person": signed_person(signed, record)})
        stored = await accept_on_loop(project, state.store, record, "api", run_store,
                                      signed.record_identity if signed else None, wakers)
        return JSONResponse(stored_answer(stored), status_code=201,
                            headers={**cors, **({"Handbook-Replay": "true"} if stored.replay else {})})

    return post_record


def plain_endpoint(endpoint: Endpoint, handlers: dict[Any, Any]) -> ASGIApp:
    """``endpoint`` as a bare ASGI app, its domain errors answered by ``handlers``
    (:func:`error_handlers`) as Starlette's exception middleware would: what a route gives,
    without the router's and the exception layers' work on each request."""
    caught = tuple(handlers)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except caught as error:
            handler = next(handlers[kind] for kind in type(error).__mro__ if kind in handlers)
            response = await handler(request, error)
        await response(scope, receive, send)

    return app


class Shortcut(HttpMiddleware):
    """ASGI middleware: one method and path straight to its endpoint (the service's busiest,
    ``POST /api/records``), everything else on to the app and its router."""

    def __init__(self, app: ASGIApp, method: str, path: str, endpoint: ASGIApp) -> None:
        super().__init__(app)
        self.method, self.path, self.endpoint = method, path, endpoint

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(f"{root}/"):  # as the router matches under a root path
            path = path[len(root):]
        if scope["method"] == self.method and path == self.path:
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def record_routes(state: ServiceState, post_record: Endpoint | None = None) -> list[Route]:
    """The records API's routes; ``post_record``: the app's one :func:`record_poster`."""
    post_record = post_record or record_poster(state)

    async def preflight(request: Request) -> Response:
        cors = cors_headers(state, request)
        if cors is None:
            return problem(403, f"origin {request.headers.get('origin')} may not send records here")
        wanted = request.headers.get("access-control-request-method", "POST").upper()
        if wanted != "POST":
            return problem(405, "only POST is allowed here", cors)
        headers = {**cors, "Access-Control-Allow-Methods": "POST",
                   "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}
        return Response(status_code=204, headers=headers)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    return [
        Route(RECORDS_PATH, post_record, methods=["POST"]),
        Route(RECORDS_PATH, preflight, methods=["OPTIONS"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
    ]


def export_routes(state: ServiceState) -> list[Route]:
    async def export(request: Request) -> Response:
        name = request.path_params["name"]
        kind = name.removesuffix(".csv")
        if not state.hr_enabled:
            return problem(503, f"exports are disabled: set {TOKEN_VARIABLE} where the service runs")
        if not state.authorised(request):
            signed = state.signed_in(request)
            if signed is not None:
                return problem(403, f"you are signed in as {signed.label}, who is not HR: "
                                    "the exports are HR's")
            also = ", or an HR sign-in," if state.provider is not None else ""
            return problem(401, f"a valid bearer token (HANDBOOK_ADMIN_TOKEN){also} is required",
                           {"WWW-Authenticate": 'Bearer realm="handbook-hr"'})
        if not name.endswith(".csv") or kind not in EXPORTS:
            return problem(404, f"no export '{name}'; choose {', '.join(EXPORTS)} (.csv)")
        excel = request.query_params.get("excel") in {"1", "true", "yes"}
        await anyio.to_thread.run_sync(state.store.check_readable)  # 503 now, not a cut-off body
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        headers = {"Content-Disposition": f'attachment; filename="{kind}-{stamp}.csv"',
                   "Cache-Control": "no-store"}
        include_void = request.query_params.get("include_void") in {"1", "true", "yes"}
        labels = Labels.of(state.project)
        body = records_csv.export_blocks(state.store, kind, excel=excel, include_void=include_void,
                                         labels=labels)
        return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)

    return [Route("/api/export/{name}", export, methods=["GET"])]


API_METHODS = {"/api/records": "POST, OPTIONS", "/api/openapi.json": "GET", "/api/me": "GET"}
API_PATTERNS = (("/api/exams/", "/attempts", "POST"), ("/api/exams/attempts/", "/answers", "POST"))


def fallback_routes() -> list[Route]:
    """Any other request under /api/ gets a JSON 404 or 405, not the site's HTML page."""

    async def other(request: Request) -> Response:
        path = request.url.path
        allowed = API_METHODS.get(path) or ("GET" if path.startswith("/api/export/") else None)
        allowed = allowed or next((m for start, end, m in API_PATTERNS
                                   if path.startswith(start) and path.endswith(end)), None)
        if path.startswith("/api/export/") and request.method == "GET":
            return problem(404, f"no export '{path.removeprefix('/api/export/')}'; choose "
                                f"{', '.join(EXPORTS)} (.csv)")
        if allowed:
            return problem(405, f"{request.method} is not allowed here; use {allowed}", {"Allow": allowed})
        return problem(404, f"no API at {path}; see /api/openapi.json")

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return [Route("/api/{rest:path}", other, methods=methods)]
