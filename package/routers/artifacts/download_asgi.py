"""The common download GET answered in front of FastAPI: pure ASGI, no Request, no router, at most one thread
hop (none for a stored bundle on local storage).

Behind nginx a download is answered with headers only, so what it costs is the request's Python
(bench/download_cost.py). `DownloadFastPath` stands innermost among the app's middleware: the request limits,
security headers, CORS and request log (all pure ASGI) still wrap it, so the answer's headers, the log line,
metrics and activity are the same; what it skips is Starlette's exception middleware, FastAPI's exit-stack
middleware, the router's walk and the route's Request. It takes a GET with no query string and no root path
whose path matches a download route with a known artifact type while no dependency is overridden, and fills
the scope as the router would (`route`, `endpoint`, `path_params`: the log line's route template and domain
come from them). It decides with `download_route.decide_download`, the lean route handler's own function,
so the checks, their order, the use count, audit and activity are one code. An error is rendered by the
handler the app registered for it (the same JSON), one it has none for propagates as from any route (a 500).
Everything else (HEAD, `?version=`, other paths, unknown types) goes on to the full app unchanged.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from package.routers.artifacts import download_route
from package.routers.artifacts.download_route import DownloadRoute


class DownloadFastPath:
    """ASGI middleware: the common download GET decided here, anything else passed on to `app`."""

    def __init__(self, app: ASGIApp, owner: FastAPI, routes: list[DownloadRoute]) -> None:
        self.app = app
        self.owner = owner
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a download this path takes; pass everything else on."""
        matched = self._match(scope)
        if matched is None:
            await self.app(scope, receive, send)
            return
        route, params = matched
        scope["endpoint"], scope["route"] = route.endpoint, route
        scope["path_params"] = {**scope.get("path_params", {}), **params}
        try:
            response = await download_route.decide_download(Headers(scope=scope), "GET", params)
        except Exception as exc:
            rendered = await self._render(exc, Request(scope, receive))
            if rendered is None:
                raise
            response = rendered
        await response(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[DownloadRoute, dict[str, Any]] | None:
        """The download route and path parameters when this path takes the request, else None."""
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or scope.get("query_string")
            or scope.get("root_path")
            or not scope.get("path", "").startswith("/download/")
            or self.owner.dependency_overrides
        ):
            return None
        path: str = scope["path"]
        for route in self.routes:
            found = route.path_regex.match(path)
            if found is not None:
                params = {
                    name: route.param_convertors[name].convert(value)
                    for name, value in found.groupdict().items()
                }
                return (route, params) if download_route.is_download_type(params["artifact_type"]) else None
        return None

    async def _render(self, exc: Exception, request: Request) -> Response | None:
        """What the app's handler for `exc`'s class or nearest base answers (as Starlette's exception
        middleware looks it up); None when the app has none (the server's 500 then)."""
        handlers = self.owner.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is None or cls is Exception:
                continue
            if is_async_callable(handler):
                response: Response = await handler(request, exc)
            else:
                # A sync handler answers a Response (Starlette's own middleware ignores the same type).
                response = await run_in_threadpool(handler, request, exc)  # type: ignore[arg-type]
            return response
        return None


def install_fast_path(app: FastAPI, routes: list[DownloadRoute]) -> None:
    """Put the fast path innermost among `app`'s middleware (inside the request log, limits and headers)."""
    # add_middleware inserts outermost; the last entry of user_middleware is the innermost one.
    app.user_middleware.append(Middleware(DownloadFastPath, owner=app, routes=routes))
