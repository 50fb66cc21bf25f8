"""One ASGI app: the records API, the HR exports and page, then the built site for every other path."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from handbook.serve import LiveSite, site_routes
from handbook.service.api import export_routes, fallback_routes, problem, record_routes
from handbook.service.hr import hr_routes
from handbook.service.state import ServiceState, SourcesBroken


async def sources_broken(request: Request, error: Exception) -> Response:
    """While the sources are invalid (and nothing good was loaded yet), records cannot be checked."""
    return problem(503, str(error).splitlines())


def create_service_app(live: LiveSite, state: ServiceState, reload: bool = True) -> Starlette:
    routes = [*record_routes(state), *export_routes(state), *fallback_routes(), *hr_routes(state),
              *site_routes(live, reload)]
    return Starlette(routes=routes, exception_handlers={SourcesBroken: sources_broken})
