"""Prometheus metrics of one app.

Request counts, latencies and bytes by route and status; the registry's operations (ingest, rating, download);
artifact events; and gauges read from the health runtime when scraped. With several workers
(PROMETHEUS_MULTIPROC_DIR, health/multiprocess.py) the counters and histograms a scrape reports are the sum
over every worker of the server; process, platform and GC figures and the scrape-time gauges are the
answering worker's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.gc_collector import GCCollector
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from package.core.events import ArtifactEvent
from package.core.request_log import RequestRecord
from package.routers.health.multiprocess import shared_dir

# Which routes are the registry's operations, by (method, route template).
OPERATIONS: dict[tuple[str, str], str] = {
    ("POST", "/artifact/{artifact_type}"): "ingest",
    ("PUT", "/artifacts/{artifact_type}/{id}"): "ingest",
    ("GET", "/artifact/model/{id}/rate"): "rating",
    ("GET", "/download/{artifact_type}/{id}"): "download",
    ("GET", "/download/{artifact_type}/{id}/{path:path}"): "download",
}
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
OPERATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
_MAX_CHILDREN = 4096

StateReader = Callable[[], Iterator[Metric]]


def outcome_of(status: int) -> str:
    """success, client_error or server_error."""
    return "server_error" if status >= 500 else "client_error" if status >= 400 else "success"


class _StateCollector(Collector):
    """Gauges computed when scraped (upstream probes, activity flushing, rating pipeline)."""

    def __init__(self, read: StateReader) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        """The current values."""
        yield from self._read()


class RegistryMetrics:
    """One app's metrics, in a registry of its own (several apps may live in one process, e.g. in tests)."""

    def __init__(self, state: StateReader | None = None) -> None:
        shared = shared_dir()  # before the first metric: it names the files every worker writes
        self.registry = CollectorRegistry(auto_describe=True)
        # What a scrape renders: this registry, or (several workers) every worker's files summed.
        self.scraped = self.registry if shared is None else _server_registry(shared)
        r = self.registry
        # Each metric's child per label values, looked up once: `labels()` checks and locks on every call,
        # six times a download (bounded: cleared past _MAX_CHILDREN; the metrics keep their children).
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}
        route = ["method", "route", "status"]
        self.requests = Counter("registry_http_requests", "HTTP requests answered.", route, registry=r)
        self.latency = Histogram(
            "registry_http_request_duration_seconds",
            "Time from request to the last byte of the answer.",
            route,
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.bytes_served = Counter(
            "registry_http_response_bytes",
            "Bytes of response bodies served.",
            ["method", "route"],
            registry=r,
        )
        self.operations = Counter(
            "registry_operations",
            "Ingests, ratings and downloads, by outcome.",
            ["operation", "outcome"],
            registry=r,
        )
        self.operation_seconds = Histogram(
            "registry_operation_duration_seconds",
            "Duration of ingests, ratings and downloads (downloads: until the last byte).",
            ["operation", "outcome"],
            buckets=OPERATION_BUCKETS,
            registry=r,
        )
        self.operation_bytes = Counter(
            "registry_operation_bytes",
            "Bytes served by ingests, ratings and downloads.",
            ["operation"],
            registry=r,
        )
        self.artifact_events = Counter(
            "registry_artifact_events", "Artifacts created, updated and deleted.", ["event"], registry=r
        )
        ProcessCollector(registry=self.scraped)
        PlatformCollector(registry=self.scraped)
        GCCollector(registry=self.scraped)
        if state is not None:
            self.scraped.register(_StateCollector(state))

    def observe(self, record: RequestRecord) -> None:
        """Account for a finished request (the request-log observer)."""
        status = str(record.status)
        seconds = record.duration_ms / 1000.0
        child = self._child
        child(self.requests, record.method, record.route, status).inc()
        child(self.latency, record.method, record.route, status).observe(seconds)
        if record.response_bytes:
            child(self.bytes_served, record.method, record.route).inc(record.response_bytes)
        operation = OPERATIONS.get((record.method, record.route))
        if operation is not None:
            outcome = outcome_of(record.status)
            child(self.operations, operation, outcome).inc()
            child(self.operation_seconds, operation, outcome).observe(seconds)
            if record.response_bytes:
                child(self.operation_bytes, operation).inc(record.response_bytes)

    def _child(self, metric: Counter | Histogram, *values: str) -> Any:
        """`metric.labels(*values)`, remembered."""
        key = (metric, values)
        found = self._children.get(key)
        if found is None:
            if len(self._children) >= _MAX_CHILDREN:
                self._children.clear()
            found = self._children[key] = metric.labels(*values)
        return found

    def artifact_event(self, event: ArtifactEvent, _artifact_id: str) -> None:
        """Count an artifact event (an artifact-event hook)."""
        self.artifact_events.labels(event.value).inc()

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition the scraper's Accept header asks for (Prometheus text by default), and its type."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.scraped), content_type


def _server_registry(folder: Path) -> CollectorRegistry:
    """A registry that reads the counters and histograms of every worker of this server run from `folder`."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
    return registry


def gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    """A gauge family to fill at scrape time."""
    return GaugeMetricFamily(name, documentation, labels=labels)


def counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    """A counter family with one value, read at scrape time."""
    return CounterMetricFamily(name, documentation, value=value)
