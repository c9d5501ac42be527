"""Routes of the on-demand download benchmark (admin only); the health endpoint includes this router."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from package.core.auth_middleware import CanAdminister
from package.core.config import SettingsDep
from package.core.storage import Store
from package.routers.health import services
from package.routers.health.config import HealthSettingsDep
from package.routers.health.interface import DownloadBenchmarkRequest, DownloadBenchmarkRun

router = APIRouter(tags=["health"])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Malformed request, out of bounds (clients 1-100, the byte cap), or the target is unavailable.",
        403: "No valid token, or not an admin.",
        404: "No such artifact or run.",
        409: "A download benchmark is running already (one at a time).",
    }
    return {code: {"description": text[code]} for code in codes}


@router.post(
    "/health/download-benchmark",
    status_code=202,
    response_model=DownloadBenchmarkRun,
    responses=_errors(400, 403, 404, 409),
    summary="Start a download benchmark against an artifact of this registry (admin)",
    description="Concurrent clients download the artifact's bundle from this server (`loopback`) or through "
    "REGISTRY_PUBLIC_URL (`public`) with a short-lived download-only token; poll the run for its figures.",
)
def start_download_benchmark(
    body: DownloadBenchmarkRequest,
    request: Request,
    storage: Store,
    settings: SettingsDep,
    health: HealthSettingsDep,
    admin: CanAdminister,
) -> DownloadBenchmarkRun:
    """Start a run in the background and answer it (state `queued` or `running`)."""
    server = request.scope.get("server")
    port = server[1] if isinstance(server, tuple | list) and len(server) == 2 else None
    return services.start_download_benchmark(
        storage,
        settings,
        health,
        body=body,
        principal=admin,
        server_port=port if isinstance(port, int) else None,
        domains=getattr(request.app.state, "domains", None) or settings.domain_list,
    )


@router.get(
    "/health/download-benchmark",
    response_model=list[DownloadBenchmarkRun],
    responses=_errors(403),
    summary="Recent download benchmark runs, newest first (admin)",
)
def list_download_benchmarks(storage: Store, _: CanAdminister) -> list[DownloadBenchmarkRun]:
    """The kept runs (REGISTRY_HEALTH_BENCHMARK_RUNS_KEPT), newest first."""
    return services.download_benchmark_runs(storage)


@router.get(
    "/health/download-benchmark/{job_id}",
    response_model=DownloadBenchmarkRun,
    responses=_errors(403, 404),
    summary="One download benchmark run: progress, then its figures (admin)",
)
def get_download_benchmark(
    job_id: Annotated[str, Path(max_length=64, description="The job_id the start answered.")],
    storage: Store,
    _: CanAdminister,
) -> DownloadBenchmarkRun:
    """The run's state, progress and (once done) mean/median/p99 latency, throughput and errors."""
    return services.download_benchmark_run(storage, job_id)
