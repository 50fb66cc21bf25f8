"""The access log and the audit log, for the IT manager (journald reads them from the output).

The access log says ``method path status duration``: the path without its query, and nothing
of who asked (no address, no cookie, no token, no body). The audit log says who did what to
HR's data: sign-ins (ok or refused, with the client address), sign-outs, exports, imports.
Both are plain ``logging`` loggers, so a deployment can route them elsewhere.
"""

from __future__ import annotations

import getpass
import logging
import sys
import time
from pathlib import Path
from urllib.parse import quote

from starlette.types import Message, Receive, Scope, Send

from handbook.service.middleware import HttpMiddleware

ACCESS = logging.getLogger("handbook.access")
AUDIT = logging.getLogger("handbook.audit")
EXPORT_PATHS = ("/api/export/", "/hr/status")  # status.csv, status-excel.csv (on main)
AUDIT_FILE = "audit.log"
FORMAT = logging.Formatter("%(asctime)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
PATH_SAFE = "/:@!$&'()*+,;=-._~"
WHO_SAFE = ":@.+-_"
"""Who exported, as the audit line names them (an email from a provider's claim, quoted)."""


def configure(verbosity: int, audit_file: Path | None = None) -> None:
    """Logs on standard output for ``serve -q`` (-1: audit only), plain (0: access and audit)
    and ``-v`` (1: uvicorn's own lines too); the audit also goes to ``audit_file``."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(FORMAT)
    for logger, shown in ((AUDIT, True), (ACCESS, verbosity >= 0)):
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO if shown else logging.WARNING)
        logger.propagate = False
    if audit_file is not None:
        AUDIT.addHandler(file_handler(audit_file))
    logging.getLogger("uvicorn").setLevel(logging.INFO if verbosity > 0 else logging.WARNING)


def file_handler(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(FORMAT)
    return handler


def audit_file(records: Path) -> Path:
    """The audit log file: beside the records file, so it is kept (and backed up) with it."""
    return records.parent / AUDIT_FILE


def audit(event: str, client: str, **details: str) -> None:
    """One audit line: the event, the client's address, then ``key=value`` details."""
    words = "".join(f" {key}={value}" for key, value in details.items())
    AUDIT.info("%s client=%s%s", event, client, words)


def audit_local(records: Path, event: str, **details: str) -> None:
    """An audit line for a command run on the server itself (``records import``/``export``),
    naming the account, in the audit file of ``records`` (a terminal's output is no log)."""
    try:
        AUDIT.handlers[:] = [file_handler(audit_file(records))]
    except OSError as error:
        print(f"{audit_file(records)}: cannot write the audit log: {error.strerror}", file=sys.stderr)
        return
    AUDIT.setLevel(logging.INFO)
    AUDIT.propagate = False
    try:
        audit(event, "local", user=getpass.getuser(), **details)
    finally:
        for handler in AUDIT.handlers:
            handler.close()


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class AccessLog(HttpMiddleware):
    """ASGI middleware: one access line per request, and an audit line for each export served."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            path = quote(scope.get("path", ""), safe=PATH_SAFE)  # no line breaks or controls in a line
            milliseconds = (time.perf_counter() - started) * 1000
            ACCESS.info("%s %s %d %.1fms", scope.get("method", ""), path, status, milliseconds)
            if status == 200 and path.startswith(EXPORT_PATHS):
                who = quote(str(scope.get("state", {}).get("who", "unknown")), safe=WHO_SAFE)
                audit("export", client_of(scope), file=path.rsplit("/", 1)[-1], who=who)
