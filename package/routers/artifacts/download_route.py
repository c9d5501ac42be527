"""The download routes' handler: the common download decided in one thread hop, without dependency resolution.

A download request is the registry's hottest path (behind nginx it answers headers only, and each one costs
the request's whole Python overhead: bench/download_cost.py). FastAPI resolves a route's dependencies one by
one, each sync one in its own trip to the thread pool (caller, permission, artifact, storage, settings,
upstreams, base URL: about ten per download). `DownloadRoute` is an `APIRoute` (same path, matching, OpenAPI
entry, 405) whose handler takes the common request, a GET with no query string and a known artifact type,
and decides it in ONE trip to the thread pool with the same functions in the same order as the dependencies:
caller (403), permission (403), artifact (400/404), then the download itself. Every other request (a query
string such as `?version=`, an unknown type, dependency overrides in tests) takes FastAPI's own handler, so
validation errors and their order stay FastAPI's. Errors raised here reach the app's exception handlers as
from any route.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from package.core.auth_middleware import (
    BEARER_HEADER,
    TOKEN_HEADER,
    Permission,
    current_principal,
    require_permission,
)
from package.core.config import get_settings
from package.core.storage import get_storage
from package.core.upstream.clients import get_upstreams
from package.routers.artifacts import services
from package.routers.artifacts.interface import ArtifactType
from package.routers.artifacts.responses import to_response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_TYPES = {kind.value: kind for kind in ArtifactType}


class DownloadRoute(APIRoute):
    """`GET /download/{artifact_type}/{id}[/{path}]`, whose common request skips dependency resolution."""

    def get_route_handler(self) -> Handler:
        """The lean handler, falling back to FastAPI's for everything it does not take."""
        standard = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if not _takes(request):
                return await standard(request)
            response: Response = await run_in_threadpool(decide, request)
            return response

        return handler


def _takes(request: Request) -> bool:
    """Whether the lean handler decides this request exactly as the dependencies would."""
    scope = request.scope
    return (
        not scope.get("query_string")
        and scope["path_params"].get("artifact_type") in _TYPES
        and not getattr(scope.get("app"), "dependency_overrides", None)
    )


def decide(request: Request) -> Response:
    """Caller, permission, artifact, then the download: what CanDownload, CurrentArtifact and the route do."""
    storage, settings = get_storage(), get_settings()
    headers = request.headers
    caller = current_principal(
        storage, settings, headers.get(TOKEN_HEADER) or None, headers.get(BEARER_HEADER) or None, request
    )
    user = require_permission(caller, Permission.DOWNLOAD)
    params = request.path_params
    artifact = services.load(storage, _TYPES[params["artifact_type"]], params["id"])
    plan = services.download_record(
        storage, get_upstreams(), settings, record=artifact, path=params.get("path"), principal=user
    )
    return to_response(plan, request, storage, settings)


def match_downloads_first(app: FastAPI, router: APIRouter) -> None:
    """Copy `router`'s download routes to the head of the app's routes (the originals stay in the schema).

    FastAPI finds a route of an included router by trying that router's routes one by one, twice (to match,
    then to handle), with scope bookkeeping for each; some 20 routes stood before a download. A route at the
    app's head is one regular expression away. No other route's path starts with `/download/`, so none is
    shadowed; other methods on these paths still answer 405.
    """
    downloads = [route for route in router.routes if isinstance(route, DownloadRoute)]
    for position, route in enumerate(downloads):
        app.router.add_api_route(
            route.path,
            route.endpoint,
            methods=sorted(route.methods or ()),
            response_class=Response,
            name=route.name,
            include_in_schema=False,
            route_class_override=DownloadRoute,
        )
        app.router.routes.insert(position, app.router.routes.pop())
