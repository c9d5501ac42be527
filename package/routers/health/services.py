"""The health domain's public face: liveness, tracks, the component report and recent log lines."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection
from urllib.parse import quote

from package.core.auth_middleware import Principal
from package.core.config import Settings
from package.core.errors import BadRequest, NotFound
from package.core.events import on_reset
from package.core.storage import Storage
from package.routers.health import benchmark_runs, build, components, database, download_benchmark, rollup
from package.routers.health.config import HealthSettings
from package.routers.health.interface import (
    DownloadBenchmarkRequest,
    DownloadBenchmarkRun,
    HealthComponentCollection,
    HealthLogReference,
    Liveness,
    Readiness,
    ReadinessCheck,
    Track,
    TracksResponse,
)
from package.routers.health.logs import component_matcher
from package.routers.health.probes import probe_storage
from package.routers.health.rating_status import rating_view
from package.routers.health.runtime import HealthRuntime
from package.routers.health.window import collect_window

logger = logging.getLogger("registry.health")
MIN_WINDOW_MINUTES = 5
MAX_WINDOW_MINUTES = 1440
_COMPONENT_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def service_version() -> str:
    """The installed package version, or the source tree's."""
    return build.service_version()


def liveness() -> Liveness:
    """A cheap answer that the process serves requests."""
    return Liveness(status="ok", version=build.service_version(), uptime_seconds=build.uptime_seconds())


def planned_tracks() -> TracksResponse:
    """We plan every track of the spec."""
    return TracksResponse(plannedTracks=list(Track))


def component_report(
    runtime: HealthRuntime,
    storage: Storage,
    *,
    window_minutes: int,
    include_timeline: bool,
    base_url: str,
    now: float | None = None,
) -> HealthComponentCollection:
    """Every component's status, metrics, issues (and timeline) over the window, most severe first."""
    if not MIN_WINDOW_MINUTES <= window_minutes <= MAX_WINDOW_MINUTES:
        raise BadRequest(f"windowMinutes must be between {MIN_WINDOW_MINUTES} and {MAX_WINDOW_MINUTES}.")
    settings = runtime.settings
    runtime.prober.ensure_started()  # normally running since start-up; never probed on this request's path
    current = time.time() if now is None else now
    last_minute = int(current // 60)
    window = collect_window(
        storage, runtime.recorder, first=last_minute - window_minutes + 1, last=last_minute
    )
    slow_ms = runtime.health.health_probe_slow_ms
    storage_results = probe_storage(storage, process=runtime.process, slow_ms=slow_ms)
    runtime.remember_storage(storage_results)
    ctx = components.ReportContext(
        now=current,
        window=window,
        include_timeline=include_timeline,
        settings=settings,
        health=runtime.health,
        storage_description=storage.description,
        storage_results=storage_results,
        storage_tracks=runtime.storage_tracks(),
        upstream_tracks=runtime.prober.tracks(),
        upstream_urls=runtime.prober.urls(),
        rating=rating_view(served_here="rating" in settings.domain_list),
        recording=runtime.recorder is not None,
        flush_error=runtime.recorder.last_flush_error if runtime.recorder is not None else None,
        logs=lambda component, label: log_links(runtime, base_url, component, label),
    )
    parts = [
        components.api_component(ctx),
        *components.storage_components(ctx),
        *components.upstream_components(ctx),
        components.rating_component(ctx),
        *components.domain_components(ctx),
    ]
    overall = rollup.registry_component(
        ctx,
        parts,
        version=build.service_version(),
        git_sha=build.git_sha(runtime.health.git_sha),
        uptime_seconds=build.uptime_seconds(),
        process=runtime.process,
    )
    return HealthComponentCollection(
        components=rollup.order_by_severity([overall, *parts]),
        generated_at=components.moment(current),
        window_minutes=window_minutes,
    )


def log_links(runtime: HealthRuntime, base_url: str, component: str, label: str) -> list[HealthLogReference]:
    """Where to read a component's logs: this process's recent lines, and the configured log viewer."""
    links = []
    if runtime.logs is not None:
        last = runtime.logs.last_at(component)
        links.append(
            HealthLogReference(
                label=f"{label}: recent lines of the process that answered",
                url=f"{base_url}/health/logs?component={quote(component)}",
                tail_available=False,
                last_updated_at=components.moment(last) if last is not None else None,
            )
        )
    if runtime.health.health_log_url:
        links.append(
            HealthLogReference(
                label=f"{label}: log viewer",
                url=runtime.health.health_log_url.replace("{component}", quote(component)),
                tail_available=True,
            )
        )
    return links


def recent_log_lines(runtime: HealthRuntime, *, component: str, limit: int) -> list[str]:
    """The newest JSON log lines of this process concerning a component, oldest first."""
    if not _COMPONENT_ID.fullmatch(component) or component_matcher(component) is None:
        raise BadRequest(f"Unknown component {component!r}; use an id from GET /health/components.")
    if runtime.logs is None:
        raise NotFound("This process keeps no recent log lines (REGISTRY_HEALTH_LOG_BUFFER_LINES is 0).")
    return runtime.logs.lines(component, limit)


def readiness(storage: Storage, domains: list[str]) -> Readiness:
    """Whether this container can serve: its storage's records and blobs answer (upstreams are not asked:
    Hugging Face being down must not take every container out of its load balancer)."""
    checks = {
        "storage-records": _check(lambda: database.read_probe_record(storage)),
        "storage-blobs": _check(lambda: database.look_up_probe_blob(storage)),
    }
    ready = all(check.ok for check in checks.values())
    return Readiness(status="ready" if ready else "not_ready", domains=domains, checks=checks)


def _check(action: Callable[[], None]) -> ReadinessCheck:
    started = time.perf_counter()
    try:
        action()
    except Exception as exc:  # any failure means not ready; the kind is enough for an orchestrator
        logger.warning("readiness check failed: %s", exc)
        return ReadinessCheck(ok=False, latency_ms=_ms(started), error=type(exc).__name__)
    return ReadinessCheck(ok=True, latency_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def register_hooks() -> None:
    """A reset stops this process's download benchmark (its records went with the rest of storage)."""
    on_reset(_stop_benchmark_after_reset)


def _stop_benchmark_after_reset(_: Storage) -> None:
    download_benchmark.cancel_running("stopped: the registry was reset")


def start_download_benchmark(
    storage: Storage,
    settings: Settings,
    health: HealthSettings,
    *,
    body: DownloadBenchmarkRequest,
    principal: Principal,
    server_port: int | None,
    domains: Collection[str],
) -> DownloadBenchmarkRun:
    """Check and start a download benchmark run in the background (409 while another runs).

    `domains`: those this server mounts (a `loopback` run needs the artifacts domain's downloads here).
    """
    plan = benchmark_runs.plan_run(
        storage, settings, health, body=body, principal=principal, server_port=server_port, domains=domains
    )
    return download_benchmark.start(storage, plan)


def download_benchmark_run(storage: Storage, job_id: str) -> DownloadBenchmarkRun:
    """One download benchmark run: progress while it runs, figures once done (NotFound if unknown)."""
    return benchmark_runs.run(storage, job_id)


def download_benchmark_runs(storage: Storage) -> list[DownloadBenchmarkRun]:
    """The kept download benchmark runs, newest first."""
    return benchmark_runs.runs(storage)


def latest_download_benchmark(storage: Storage) -> DownloadBenchmarkRun | None:
    """The newest download benchmark run, or None (what the web health page shows)."""
    found = benchmark_runs.runs(storage)
    return found[0] if found else None


def stop_download_benchmark(wait_seconds: float = 5.0) -> None:
    """Stop this process's download benchmark, if one runs (at shutdown)."""
    download_benchmark.cancel_running("stopped: the server shut down", wait_seconds=wait_seconds)
