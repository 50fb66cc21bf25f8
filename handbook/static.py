"""A built site folder over ASGI: its files, ``index.html`` for a folder, its own 404 page.

It knows nothing of records or rebuilds: each request is served from whatever folder
``folder()`` returns at that moment, and ``on_html`` may change a page on its way out
(the preview adds its reload script there; nothing is ever written into the site).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

NAME_MAX = 255
"""The longest file name (in bytes) the file systems we serve from allow."""
NOT_FOUND = "<!doctype html><title>Not found</title><h1>Not found</h1>"


def file_for(base: Path, url_path: str) -> Path | None:
    """The file a URL path names inside ``base``, never outside it; a folder means its index."""
    if "\x00" in url_path or any(len(part.encode()) > NAME_MAX for part in url_path.split("/")):
        return None  # no file has such a name: a plain 404, never an error from the OS
    try:
        base = base.resolve()
        candidate = (base / url_path.lstrip("/")).resolve()
        if not candidate.is_relative_to(base):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None
    except (OSError, ValueError):
        return None


def site_routes(folder: Callable[[], Path | None],
                on_html: Callable[[str], str] | None = None) -> list[Route]:
    """One catch-all route serving the site; put it after every other route."""

    async def page(request: Request) -> Response:
        base = folder()
        found = file_for(base, request.url.path) if base else None
        status = 200
        if found is None:
            status = 404
            found = file_for(base, "404.html") if base else None
        if found is None or found.suffix == ".html":
            html = found.read_text(encoding="utf-8") if found else NOT_FOUND
            html = on_html(html) if on_html else html
            return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        return FileResponse(found, status_code=status)

    return [Route("/{path:path}", page, methods=["GET", "HEAD"])]
