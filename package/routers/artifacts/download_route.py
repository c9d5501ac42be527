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

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from package.core.auth_middleware import Permission, principal_from_headers, require_permission
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
            return await decide_off_loop(request.headers, request.method, request.path_params)

        return handler


def _takes(request: Request) -> bool:
    """Whether the lean handler decides this request exactly as the dependencies would."""
    scope = request.scope
    return (
        not scope.get("query_string")
        and is_download_type(scope["path_params"].get("artifact_type"))
        and not getattr(scope.get("app"), "dependency_overrides", None)
    )


async def decide_off_loop(headers: Headers, method: str, params: Mapping[str, Any]) -> Response:
    """`decide` in one trip to the thread pool (storage reads block)."""
    response: Response = await run_in_threadpool(decide, headers, method, params)
    return response


def decide(headers: Headers, method: str, params: Mapping[str, Any]) -> Response:
    """Caller, permission, artifact, then the download: what CanDownload, CurrentArtifact and the route do.

    `params` are the route's path parameters (`artifact_type` one of `_TYPES`, `id`, and `path` for a file).
    """
    storage, settings = get_storage(), get_settings()
    user = require_permission(principal_from_headers(storage, settings, headers, method), Permission.DOWNLOAD)
    artifact = services.load(storage, _TYPES[params["artifact_type"]], params["id"])
    plan = services.download_record(
        storage, get_upstreams(), settings, record=artifact, path=params.get("path"), principal=user
    )
    return to_response(plan, headers, storage, settings)


def is_download_type(value: object) -> bool:
    """Whether a path's `artifact_type` is one `decide` takes (others get FastAPI's validation error)."""
    return value in _TYPES


def match_downloads_first(app: FastAPI, router: APIRouter) -> list[DownloadRoute]:
    """Copy `router`'s download routes to the head of the app's routes (the originals stay in the schema).

    FastAPI finds a route of an included router by trying that router's routes one by one, twice (to match,
    then to handle), with scope bookkeeping for each; some 20 routes stood before a download. A route at the
    app's head is one regular expression away. No other route's path starts with `/download/`, so none is
    shadowed; other methods on these paths still answer 405. Answers the copies, in the app's order.
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
    return [route for route in app.router.routes[: len(downloads)] if isinstance(route, DownloadRoute)]
