"""What the health domain keeps per app: activity recorder, upstream prober, metrics, probe history, logs."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import Metric

from package.core.config import Settings
from package.core.request_log import RequestRecord
from package.core.storage import Storage, get_storage
from package.routers.health import build
from package.routers.health.activity import ActivityRecorder, new_process_id
from package.routers.health.config import HealthSettings, get_health_settings
from package.routers.health.logs import RecentLogBuffer, recent_logs
from package.routers.health.metrics import RegistryMetrics, counter, gauge
from package.routers.health.multiprocess import process_exited
from package.routers.health.probes import HISTORY, ProbeResult, ProbeTrack, UpstreamProber
from package.routers.health.rating_status import rating_view


@dataclass
class HealthRuntime:
    """The per-app state behind `/health/components` and `/metrics`."""

    settings: Settings
    health: HealthSettings
    process: str
    recorder: ActivityRecorder | None
    prober: UpstreamProber
    logs: RecentLogBuffer | None
    metrics: RegistryMetrics = field(init=False)
    _storage_tracks: dict[str, ProbeTrack] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.metrics = RegistryMetrics(state=self._scrape_state)

    def observe(self, record: RequestRecord) -> None:
        """Account for a finished request: activity buckets and Prometheus metrics."""
        self.metrics.observe(record)
        if self.recorder is not None:
            self.recorder.observe(record)

    def start(self, *, probe_upstreams: bool) -> None:
        """Start the background work (the app is starting)."""
        if probe_upstreams:
            self.prober.start()

    def stop(self) -> None:
        """Stop the background work and write pending activity (the app is shutting down)."""
        self.prober.stop()
        if self.recorder is not None:
            self.recorder.close()
        process_exited()  # several workers: this one's live gauges leave the server's sum

    def remember_storage(self, results: dict[str, ProbeResult]) -> None:
        """Keep storage probe results for timelines."""
        with self._lock:
            for name, result in results.items():
                self._storage_tracks.setdefault(name, ProbeTrack()).add(result)

    def storage_tracks(self) -> dict[str, ProbeTrack]:
        """Copies of the storage probes' recent history."""
        with self._lock:
            return {
                name: ProbeTrack(deque(t.history, maxlen=HISTORY), t.consecutive_failures, t.last_success_at)
                for name, t in self._storage_tracks.items()
            }

    def _scrape_state(self) -> Iterator[Metric]:
        info = gauge(
            "registry_build_info", "Version and commit of the running registry.", ["version", "git_sha"]
        )
        info.add_metric([build.service_version(), build.git_sha(self.health.git_sha) or ""], 1)
        yield info
        up = gauge("registry_upstream_up", "1 when the last probe of the upstream succeeded.", ["upstream"])
        latency = gauge(
            "registry_upstream_probe_seconds", "Duration of the last upstream probe.", ["upstream"]
        )
        failures = gauge(
            "registry_upstream_consecutive_failures", "Failed probes in a row, per upstream.", ["upstream"]
        )
        for name, track in self.prober.tracks().items():
            if track.last is not None:
                up.add_metric([name], 1.0 if track.last.ok else 0.0)
                latency.add_metric([name], track.last.latency_ms / 1000.0)
                failures.add_metric([name], track.consecutive_failures)
        yield from (up, latency, failures)
        if self.recorder is not None:
            yield from self._recorder_state(self.recorder)
        rating = rating_view(served_here="rating" in self.settings.domain_list)
        if rating.unavailable is None:
            for name, value in (
                ("queue_depth", rating.queue_depth),
                ("running", rating.running),
                ("recent_failures", rating.recent_failures),
            ):
                if value is not None:
                    family = gauge(f"registry_rating_{name}", f"Rating pipeline: {name.replace('_', ' ')}.")
                    family.add_metric([], value)
                    yield family

    @staticmethod
    def _recorder_state(recorder: ActivityRecorder) -> Iterator[Metric]:
        pending = gauge("registry_activity_pending", "Activity minutes of this process not yet in storage.")
        pending.add_metric([], recorder.pending_minutes)
        yield pending
        yield counter("registry_activity_flushes", "Batched activity writes.", recorder.flushes)
        yield counter(
            "registry_activity_flush_failures", "Activity writes that failed.", recorder.flush_failures
        )
        yield counter(
            "registry_activity_dropped_minutes", "Activity minutes given up on.", recorder.dropped_minutes
        )


def build_runtime(
    settings: Settings,
    *,
    health_settings: HealthSettings | None = None,
    storage: Callable[[], Storage] = get_storage,
    clock: Callable[[], float] = time.time,
) -> HealthRuntime:
    """A runtime for one app; nothing starts until `start` or the first request."""
    health = get_health_settings() if health_settings is None else health_settings
    process = new_process_id()
    recorder = (
        ActivityRecorder(
            storage,
            flush_seconds=health.health_flush_seconds,
            retention_hours=health.health_retention_hours,
            process=process,
            clock=clock,
        )
        if health.health_record_activity
        else None
    )
    logs = recent_logs(health.health_log_buffer_lines) if health.health_log_buffer_lines else None
    return HealthRuntime(
        settings=settings,
        health=health,
        process=process,
        recorder=recorder,
        prober=UpstreamProber(settings, health),
        logs=logs,
    )
