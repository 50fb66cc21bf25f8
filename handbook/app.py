"""The one composition root: the records API, the exports, the HR page and the built site,
as one ASGI app. The CLI (``serve``, ``preview``), the tests and the benchmarks all make
their app here, so what they run is wired the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from handbook.records.store import Store
from handbook.service.api import error_handlers, export_routes, fallback_routes, record_routes
from handbook.service.exams import exam_routes
from handbook.service.hr import hr_routes
from handbook.service.site import ServedSite
from handbook.service.state import ServiceState
from handbook.static import site_routes


def create_app(site: ServedSite, store: Store, *, token: str | None = None, roster: Path | None = None,
               routes: Sequence[BaseRoute] = (), on_html: Callable[[str], str] | None = None) -> Starlette:
    """The service over ``site`` (the build on screen and its project) and ``store``.

    ``token`` enables the exports and the HR page; ``roster`` is the CSV the HR page reports
    on. ``routes`` go first and ``on_html`` changes each page served: the preview adds its
    reload endpoints and script that way, so production never has them.
    """
    state = ServiceState(store, site, roster, token)
    every = [*routes, *record_routes(state), *exam_routes(state), *export_routes(state), *fallback_routes(),
             *hr_routes(state), *site_routes(site.folder, on_html)]
    return Starlette(routes=every, exception_handlers=error_handlers(state))
