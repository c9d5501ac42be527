"""The download routes' handler: the common download decided without dependency resolution, in one thread hop
at most (none over local storage when the bundle is stored).

A download request is the registry's hottest path (behind nginx it answers headers only, and each one costs
the request's whole Python overhead: bench/download_cost.py). FastAPI resolves a route's dependencies one by
one, each sync one in its own trip to the thread pool (caller, permission, artifact, storage, settings,
upstreams, base URL: about ten per download). `DownloadRoute` is an `APIRoute` (same path, matching, OpenAPI
entry, 405) whose handler takes the common request, a GET with no query string and a known artifact type,
and decides it with the same functions in the same order as the dependencies: caller (403), permission
(403), artifact (400/404), then the download itself; in ONE trip to the thread pool, or none when storage
is local (`Storage.local`: SQLite and files) and the bundle needs no upstream (`decide_download`). Every
other request (a query string such as `?version=`, an unknown type, dependency overrides in tests) takes
FastAPI's own handler, so validation errors and their order stay FastAPI's. Errors raised here reach the
app's exception handlers as from any route.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from package.core.auth_middleware import Permission, Principal, principal_from_headers, require_permission
from package.core.config import Settings, get_settings
from package.core.events import download_guards_read
from package.core.storage import Storage, get_storage
from package.core.upstream.clients import get_upstreams
from package.core.write_behind import get_write_behind
from package.routers.artifacts import services
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
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
            return await decide_download(request.headers, request.method, request.path_params)

        return handler


def _takes(request: Request) -> bool:
    """Whether the lean handler decides this request exactly as the dependencies would."""
    scope = request.scope
    return (
        not scope.get("query_string")
        and is_download_type(scope["path_params"].get("artifact_type"))
        and not getattr(scope.get("app"), "dependency_overrides", None)
    )


async def decide_download(headers: Headers, method: str, params: Mapping[str, Any]) -> Response:
    """`decide`: on the event loop where every step is a quick local read (`on_loop`), else in one trip to
    the thread pool. A bundle that turns out not to be stored streams from upstream in a worker thread.

    The trip to the thread pool and back cost ~0.7 ms of CPU per download under `make run` (2 workers, 100
    clients: 4.24 against 3.54 ms of server CPU, bench/download_throughput.py), more than the decision's own
    reads (the grant, the record, the blob's size: tens of microseconds each on local storage).
    """
    storage = get_storage()
    if not on_loop(storage, params):
        response: Response = await run_in_threadpool(decide, headers, method, params)
        return response
    settings = get_settings()
    user, artifact = _admit(storage, settings, headers, method, params)
    plan = services.download_stored(storage, record=artifact, principal=user)
    if plan is not None:
        return to_response(plan, headers, storage, settings)
    # Not stored (yet): the stream from upstream waits on the network, in a worker thread.
    return await run_in_threadpool(_stream, storage, settings, headers, artifact, user)


def on_loop(storage: Storage, params: Mapping[str, Any]) -> bool:
    """Whether a download is decided on the event loop: the bundle (a file's download reads the whole file
    list), on local storage (AWS reads wait on the network), with the token's use and the audit entry
    written behind (REGISTRY_WRITE_BEHIND_MS=0 writes them at once, under SQLite's write lock) and no
    download guard that reads storage (the safety domain's under REGISTRY_SAFETY_POLICY=block)."""
    return (
        params.get("path") is None
        and storage.local
        and not get_write_behind().synchronous
        and not download_guards_read()
    )


def decide(headers: Headers, method: str, params: Mapping[str, Any]) -> Response:
    """Caller, permission, artifact, then the download: what CanDownload, CurrentArtifact and the route do.

    `params` are the route's path parameters (`artifact_type` one of `_TYPES`, `id`, and `path` for a file).
    """
    storage, settings = get_storage(), get_settings()
    user, artifact = _admit(storage, settings, headers, method, params)
    plan = services.download_record(
        storage, get_upstreams(), settings, record=artifact, path=params.get("path"), principal=user
    )
    return to_response(plan, headers, storage, settings)


def _admit(
    storage: Storage, settings: Settings, headers: Headers, method: str, params: Mapping[str, Any]
) -> tuple[Principal, ArtifactRecord]:
    """The caller (403; this counts a use of the token), their permission (403), the artifact (400/404)."""
    user = require_permission(principal_from_headers(storage, settings, headers, method), Permission.DOWNLOAD)
    return user, services.load(storage, _TYPES[params["artifact_type"]], params["id"])


def _stream(
    storage: Storage, settings: Settings, headers: Headers, artifact: ArtifactRecord, user: Principal
) -> Response:
    """The current bundle of an admitted download, streamed from upstream (it is not stored)."""
    plan = services.download_record(
        storage, get_upstreams(), settings, record=artifact, path=None, principal=user
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
