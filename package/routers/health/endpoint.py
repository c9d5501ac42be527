"""HTTP routes of the health domain, and `setup_app`, which installs request accounting and `/metrics`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from package.core.auth_middleware import TOKEN_HEADER, CanAdminister, token_from_header
from package.core.config import SettingsDep, get_settings
from package.core.errors import RegistryError
from package.core.events import on_artifact_event
from package.core.request_log import add_request_observer
from package.core.storage import Store
from package.core.tokens import verify_token
from package.core.web import BaseUrl
from package.routers.health import benchmark_routes, public_report, services
from package.routers.health.interface import (
    HealthComponentCollection,
    Liveness,
    Readiness,
    TracksResponse,
)
from package.routers.health.runtime import HealthRuntime, build_runtime

router = APIRouter(tags=["health"])
router.include_router(benchmark_routes.router)  # POST/GET /health/download-benchmark (admin)


def current_runtime(request: Request) -> HealthRuntime:
    """The health runtime `setup_app` attached to this app (built on first use if it was not)."""
    runtime: HealthRuntime | None = getattr(request.app.state, "health", None)
    if runtime is None:
        runtime = request.app.state.health = build_runtime(get_settings())
    return runtime


HealthRuntimeDep = Annotated[HealthRuntime, Depends(current_runtime)]


def caller_is_admin(
    storage: Store,
    settings: SettingsDep,
    token: Annotated[str | None, Header(alias=TOKEN_HEADER, include_in_schema=False)] = None,
) -> bool:
    """Whether the request carries a valid admin token (no token or a bad one: a public caller)."""
    if not token:
        return False
    try:
        return verify_token(storage, settings, token_from_header(token)).is_admin
    except RegistryError:
        return False


@router.get("/health", response_model=Liveness, summary="Heartbeat check (BASELINE)")
def health() -> Liveness:
    """Liveness: 200 while the API serves requests."""
    return services.liveness()


@router.get(
    "/health/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency of this container does not answer."}},
    summary="Readiness of this container: its storage answers",
)
def health_ready(request: Request, storage: Store) -> JSONResponse:
    """200 when this container can serve requests, 503 (naming the failed check) when it cannot."""
    domains = getattr(request.app.state, "domains", None) or list(get_settings().domain_list)
    report = services.readiness(storage, list(domains))
    return JSONResponse(report.model_dump(), status_code=200 if report.status == "ready" else 503)


@router.get(
    "/health/components",
    response_model=HealthComponentCollection,
    response_model_exclude_none=True,
    responses={400: {"description": "windowMinutes outside 5-1440, or a malformed parameter."}},
    summary="Get component health details (NON-BASELINE)",
    description="Every caller sees each component's status (reused for a few seconds); an admin's token "
    "(X-Authorization) also shows metrics, issues, timelines and log references, freshly computed.",
)
def health_components(
    runtime: HealthRuntimeDep,
    storage: Store,
    base_url: BaseUrl,
    is_admin: Annotated[bool, Depends(caller_is_admin)],
    window_minutes: Annotated[
        int,
        Query(
            alias="windowMinutes",
            ge=services.MIN_WINDOW_MINUTES,
            le=services.MAX_WINDOW_MINUTES,
            description="Length of the trailing observation window, in minutes (5-1440).",
        ),
    ] = 60,
    include_timeline: Annotated[
        bool,
        Query(
            alias="includeTimeline", description="Include per-component timelines sampled across the window."
        ),
    ] = False,
) -> HealthComponentCollection:
    """Per-component health diagnostics: status, metrics, issues, timelines and log references."""

    def compute() -> HealthComponentCollection:
        return services.component_report(
            runtime,
            storage,
            window_minutes=window_minutes,
            include_timeline=include_timeline,
            base_url=base_url,
        )

    if is_admin:  # operators see it fresh; the public shares one report every few seconds
        return compute()
    key = (id(runtime), window_minutes, include_timeline, base_url)
    return public_report.cached_report(key, lambda: public_report.redacted(compute()))


@router.get(
    "/health/logs",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "JSON log lines, oldest first."},
        400: {"description": "Unknown component."},
        404: {"description": "This process keeps no log lines."},
    },
    summary="Recent log lines of this process concerning a component",
)
def health_logs(
    runtime: HealthRuntimeDep,
    _: CanAdminister,
    component: Annotated[str, Query(description="A component id from GET /health/components.")] = "registry",
    limit: Annotated[int, Query(ge=1, le=2000, description="Newest lines to return.")] = 200,
) -> Response:
    """The newest log lines (JSON, one per line) this process kept that concern the component."""
    lines = services.recent_log_lines(runtime, component=component, limit=limit)
    return Response("".join(line + "\n" for line in lines), media_type="application/x-ndjson")


@router.get(
    "/tracks",
    response_model=TracksResponse,
    summary="Get the list of tracks a student has planned to implement in their code",
)
def tracks() -> TracksResponse:
    """The tracks this registry implements."""
    return services.planned_tracks()


def _metrics_route(runtime: HealthRuntime) -> Any:
    def metrics(request: Request) -> Response:
        """Prometheus text exposition of the server's metrics (OpenMetrics when the scraper asks for it)."""
        body, content_type = runtime.metrics.render(request.headers.get("accept"))
        return Response(body, media_type=content_type)

    return metrics


def setup_app(app: FastAPI) -> None:
    """Account for every request (activity, metrics), serve `/metrics`, run probes while the app runs."""
    runtime = build_runtime(get_settings())
    app.state.health = runtime
    add_request_observer(app, runtime.observe)
    on_artifact_event(runtime.metrics.artifact_event)
    app.add_api_route(
        "/metrics",
        _metrics_route(runtime),
        methods=["GET"],
        response_class=PlainTextResponse,
        tags=["health"],
        summary="Prometheus metrics of this server (every worker's, with PROMETHEUS_MULTIPROC_DIR)",
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4."}},
    )
    _add_probes(app)
    serves_reports = any(getattr(route, "path", None) == "/health/components" for route in app.routes)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        runtime.start(probe_upstreams=serves_reports)
        try:
            async with inner(application) as state:
                yield state
        finally:
            await run_in_threadpool(services.stop_download_benchmark)
            await run_in_threadpool(runtime.stop)

    app.router.lifespan_context = lifespan


def _add_probes(app: FastAPI) -> None:
    """Liveness and readiness in every container, whatever domains it mounts (orchestrators ask each one)."""
    paths = {getattr(route, "path", None) for route in app.routes}
    for path, route in (("/health", health), ("/health/ready", health_ready)):
        if path not in paths:  # the health container has them from its router, documented
            app.add_api_route(path, route, methods=["GET"], include_in_schema=False)
