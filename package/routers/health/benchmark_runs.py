"""Checking a download benchmark request into a `Plan`, and reading the stored runs (for services)."""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from urllib.parse import urlsplit

from pydantic import ValidationError

from package.core.auth_middleware import Permission, Principal
from package.core.config import Settings
from package.core.errors import BadRequest, Forbidden, NotFound
from package.core.storage import Storage
from package.core.tokens import PERMANENT_GENERATION, grant_generation
from package.routers.artifacts import services as artifact_services
from package.routers.health import database, download_benchmark
from package.routers.health.config import HealthSettings
from package.routers.health.interface import (
    BenchmarkState,
    BenchmarkTarget,
    DownloadBenchmarkRequest,
    DownloadBenchmarkRun,
)

JOB_ID_PATTERN = r"^[0-9]{8}T[0-9]{9}-[0-9a-f]{8}$"


def target_url(
    settings: Settings,
    health: HealthSettings,
    target: BenchmarkTarget,
    *,
    server_port: int | None,
    domains: Collection[str],
) -> str:
    """The base URL the run downloads from: this server on 127.0.0.1, or the configured public URL."""
    if target is BenchmarkTarget.PUBLIC:
        if not settings.public_url:
            raise BadRequest("The public URL is not configured (REGISTRY_PUBLIC_URL); use target `loopback`.")
        parts = urlsplit(settings.public_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise BadRequest("REGISTRY_PUBLIC_URL is not an http(s) URL; use target `loopback`.")
        return settings.public_url.rstrip("/")
    if "artifacts" not in domains:
        raise BadRequest(
            "This container does not serve downloads (the artifacts domain runs elsewhere); "
            "use target `public`."
        )
    port = health.health_benchmark_port or server_port
    if port is None:
        raise BadRequest("This server's port is unknown; set REGISTRY_HEALTH_BENCHMARK_PORT or use `public`.")
    return f"http://127.0.0.1:{port}"


def _generation(storage: Storage, subject: str) -> str:
    granted = grant_generation(storage, subject)
    return PERMANENT_GENERATION if granted is None else granted


def plan_run(
    storage: Storage,
    settings: Settings,
    health: HealthSettings,
    *,
    body: DownloadBenchmarkRequest,
    principal: Principal,
    server_port: int | None,
    domains: Collection[str],
) -> download_benchmark.Plan:
    """The checked run: the artifact exists, the bytes fit the cap, the target is this registry."""
    if not principal.may(Permission.DOWNLOAD):
        raise Forbidden(f"{principal.name!r} lacks the 'download' permission a download benchmark uses.")
    record = artifact_services.load(storage, body.artifact_type, body.artifact_id)  # 404 when unknown
    mirror = record.mirror
    exact = mirror.bundle_size or 0
    estimate = exact or mirror.bytes_total
    downloads = body.clients * body.downloads_per_client
    if estimate * downloads > health.health_benchmark_max_bytes:
        raise BadRequest(
            f"{downloads} downloads of {estimate} bytes exceed REGISTRY_HEALTH_BENCHMARK_MAX_BYTES "
            f"({health.health_benchmark_max_bytes}); ask for fewer clients or downloads."
        )
    return download_benchmark.Plan(
        job_id=download_benchmark.new_job_id(),
        artifact_type=record.type,
        artifact_id=record.id,
        artifact_name=record.name,
        target=body.target,
        base_url=target_url(settings, health, body.target, server_port=server_port, domains=domains),
        clients=body.clients,
        downloads_per_client=body.downloads_per_client,
        expected_bytes=exact,
        byte_cap=health.health_benchmark_max_bytes,
        timeout_seconds=health.health_benchmark_timeout_seconds,
        runs_kept=health.health_benchmark_runs_kept,
        started_by=principal.name,
        generation=_generation(storage, principal.name),
    )


def _settled(run: DownloadBenchmarkRun, holder: str | None) -> DownloadBenchmarkRun:
    """A run stored as under way whose process no longer holds the lock died with it: show it failed."""
    if run.state in {BenchmarkState.QUEUED, BenchmarkState.RUNNING} and holder != run.job_id:
        return run.model_copy(
            update={"state": BenchmarkState.FAILED, "error": "interrupted: the process running it stopped"}
        )
    return run


def _holder(storage: Storage) -> str | None:
    held = database.benchmark_lock(storage)
    if held is None or float(held.get("expires_at") or 0) <= time.time():
        return None
    return str(held.get("job_id"))


def runs(storage: Storage) -> list[DownloadBenchmarkRun]:
    """The stored runs, newest first (a stored run that no longer validates is skipped)."""
    holder = _holder(storage)
    found = []
    for _, item in reversed(database.list_benchmark_runs(storage)):
        try:
            found.append(_settled(DownloadBenchmarkRun.model_validate(item), holder))
        except ValidationError:
            continue
    return found


def run(storage: Storage, job_id: str) -> DownloadBenchmarkRun:
    """One stored run, or NotFound."""
    item = database.get_benchmark_run(storage, job_id) if re.fullmatch(JOB_ID_PATTERN, job_id) else None
    if item is None:
        raise NotFound(f"No download benchmark run has id {job_id!r}.")
    try:
        return _settled(DownloadBenchmarkRun.model_validate(item), _holder(storage))
    except ValidationError as exc:
        raise NotFound(f"The download benchmark run {job_id!r} can no longer be read.") from exc
