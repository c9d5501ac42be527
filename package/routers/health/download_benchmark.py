"""On-demand download benchmark runs (`POST /health/download-benchmark`): one at a time, in a thread.

The caller's token never leaves the process. Each run mints its own access token (core.access_tokens): the
`download` permission only, the caller as subject, expiring a minute after the run's timeout, and revoked when
the run ends. It is sent only to this server on 127.0.0.1 or to REGISTRY_PUBLIC_URL (this registry's own
address, set by its operator, never by the request), and never across a redirect.

One run at a time across every process sharing the storage: a lock record (health database) held until the
run ends or its timeout passes; a process-local guard answers at once for runs of this process.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from package.core import access_tokens
from package.core.auth_middleware import Permission
from package.core.errors import Conflict
from package.core.storage import Storage
from package.routers.artifacts.interface import ArtifactType
from package.routers.health import database
from package.routers.health.client_process import ClientsResult, run_clients_in_child
from package.routers.health.download_figures import summarize
from package.routers.health.interface import (
    BenchmarkProgress,
    BenchmarkState,
    BenchmarkTarget,
    DownloadBenchmarkRun,
    DownloadFigures,
)

logger = logging.getLogger("registry.health")
TOKEN_GRACE_SECONDS = 60.0
"""The minted token outlives the run's timeout by this much (downloads under way finish), no more."""
_LOCK_GRACE_SECONDS = 30.0


class BenchmarkRunning(Conflict):
    """Another download benchmark is running (one at a time)."""

    code = "benchmark_running"


@dataclass(frozen=True)
class Plan:
    """A checked request: what to download, from where, how often, within which limits."""

    job_id: str
    artifact_type: ArtifactType
    artifact_id: str
    artifact_name: str
    target: BenchmarkTarget
    base_url: str
    clients: int
    downloads_per_client: int
    expected_bytes: int
    """The bundle's exact size when known (0: unknown, sizes are not checked)."""
    byte_cap: int
    timeout_seconds: float
    runs_kept: int
    started_by: str
    generation: str
    """The caller's account generation: the minted token dies with the account, as its other tokens do."""

    @property
    def url(self) -> str:
        """The bundle's download URL on the target."""
        return f"{self.base_url}/download/{self.artifact_type.value}/{self.artifact_id}"


def new_job_id(now: float | None = None) -> str:
    """A job id that sorts by start time: `YYYYMMDDTHHMMSSmmm-<8 hex>`."""
    moment = time.time() if now is None else now
    stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}{int(moment * 1000) % 1000:03d}-{secrets.token_hex(4)}"


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class Job:
    """One run in this process: its stored view and its minted token; its clients run in a child process."""

    def __init__(self, storage: Storage, plan: Plan, token: str, token_id: str) -> None:
        self.storage, self.plan, self.token, self.token_id = storage, plan, token, token_id
        self.cancelled: str | None = None
        self.run = DownloadBenchmarkRun(
            job_id=plan.job_id,
            state=BenchmarkState.QUEUED,
            artifact_type=plan.artifact_type,
            artifact_id=plan.artifact_id,
            artifact_name=plan.artifact_name,
            target=plan.target,
            target_url=plan.base_url,
            clients=plan.clients,
            downloads_per_client=plan.downloads_per_client,
            expected_bytes=plan.expected_bytes,
            progress=BenchmarkProgress(done=0, total=plan.clients * plan.downloads_per_client),
            started_by=plan.started_by,
            created_at=_moment(time.time()),
        )
        self.thread = threading.Thread(
            target=self._work, name=f"download-benchmark-{plan.job_id}", daemon=True
        )

    def save(self, **changes: Any) -> bool:
        """Store the run with `changes`, only while this run still holds the lock (False: it was removed)."""
        self.run = self.run.model_copy(update=changes)
        return database.put_benchmark_run(self.storage, self.plan.job_id, self.run.model_dump(mode="json"))

    def _progress(self, done: int) -> bool:
        if self.cancelled is not None:
            return False
        if done == self.run.progress.done:
            return True
        return self.save(progress=BenchmarkProgress(done=done, total=self.run.progress.total))

    def _order(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "url": plan.url,
            "token": self.token,
            "clients": plan.clients,
            "downloads_per_client": plan.downloads_per_client,
            "expected_bytes": plan.expected_bytes,
            "byte_cap": plan.byte_cap,
            "timeout_seconds": plan.timeout_seconds,
        }

    def _work(self) -> None:
        plan = self.plan
        try:
            if not self.save(state=BenchmarkState.RUNNING, started_at=_moment(time.time())):
                return
            result = run_clients_in_child(
                self._order(), timeout_seconds=plan.timeout_seconds, on_progress=self._progress
            )
            self._finish(result)
        except Exception as exc:  # a run's failure is its record's error, never the server's
            logger.exception("download benchmark failed", extra={"job_id": plan.job_id})
            self.save(state=BenchmarkState.FAILED, error=str(exc)[:300], finished_at=_moment(time.time()))
        finally:
            access_tokens.revoke(self.storage, self.token_id)
            database.release_benchmark_lock(self.storage, plan.job_id)
            prune(self.storage, plan.runs_kept)

    def _finish(self, result: ClientsResult) -> None:
        figures = summarize(result.samples, wall_seconds=result.wall_seconds)
        failed = int(figures["errors"])
        succeeded = int(figures["downloads"]) - failed
        halted = self.cancelled or result.stop_reason
        error = halted
        if failed:
            first = result.first_error or "unknown"
            error = "; ".join(
                filter(None, [halted, f"{failed} of {figures['downloads']} downloads failed, first: {first}"])
            )
        self.save(
            state=BenchmarkState.FAILED if halted or succeeded == 0 else BenchmarkState.DONE,
            progress=BenchmarkProgress(done=len(result.samples), total=self.run.progress.total),
            figures=DownloadFigures.model_validate(figures),
            error=error,
            finished_at=_moment(time.time()),
        )
        logger.info("download benchmark finished", extra={"job_id": self.plan.job_id, **figures})

    def cancel(self, why: str) -> None:
        """Stop the clients at their next progress report (about half a second)."""
        self.cancelled = why


_guard = threading.Lock()
_current: Job | None = None


def start(storage: Storage, plan: Plan) -> DownloadBenchmarkRun:
    """Take the lock, mint the run's download token, store the run and start it; BenchmarkRunning if busy."""
    global _current
    now = time.time()
    busy = BenchmarkRunning("A download benchmark is running; wait for it (GET /health/download-benchmark).")
    with _guard:
        if _current is not None and _current.thread.is_alive():
            raise busy
        lock_until = now + plan.timeout_seconds + _LOCK_GRACE_SECONDS
        if not database.take_benchmark_lock(storage, plan.job_id, expires_at=lock_until, now=now):
            raise busy
        token_id = None
        try:
            token, record = access_tokens.create(
                storage,
                subject=plan.started_by,
                name=f"download-benchmark {plan.job_id}",
                is_admin=False,
                permissions=[Permission.DOWNLOAD.value],
                generation=plan.generation,
                lifetime_seconds=plan.timeout_seconds + TOKEN_GRACE_SECONDS,
                now=now,
            )
            token_id = record.token_id
            job = Job(storage, plan, token, token_id)
            job.save()
        except Exception:
            if token_id is not None:
                access_tokens.revoke(storage, token_id)
            database.release_benchmark_lock(storage, plan.job_id)
            raise
        _current = job
        job.thread.start()
    return job.run


def cancel_running(why: str, *, wait_seconds: float = 0.0) -> None:
    """Stop this process's run, if any (a reset, a shutdown); wait up to `wait_seconds` for it to end."""
    job = _current
    if job is None or not job.thread.is_alive():
        return
    job.cancel(why)
    if wait_seconds > 0:
        job.thread.join(timeout=wait_seconds)


def wait_idle(timeout: float) -> bool:
    """Block until this process runs no benchmark (tests); False on timeout."""
    job = _current
    if job is not None:
        job.thread.join(timeout=timeout)
        return not job.thread.is_alive()
    return True


def prune(storage: Storage, keep: int) -> None:
    """Keep only the newest `keep` runs."""
    runs = database.list_benchmark_runs(storage)
    if len(runs) > keep:
        database.delete_benchmark_runs(storage, [job_id for job_id, _ in runs[: len(runs) - keep]])
