"""Pydantic models of the health domain: the spec's health shapes, liveness and tracks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from package.routers.artifacts.interface import ARTIFACT_ID_PATTERN, ArtifactType


class Track(StrEnum):
    """The spec's tracks."""

    PERFORMANCE = "Performance track"
    ACCESS_CONTROL = "Access control track"
    HIGH_ASSURANCE = "High assurance track"
    OTHER_SECURITY = "Other Security track"


class TracksResponse(BaseModel):
    """Body of `GET /tracks`."""

    plannedTracks: list[Track]  # noqa: N815 - the spec's field name


class Liveness(BaseModel):
    """Body of `GET /health`."""

    status: str
    version: str
    uptime_seconds: int


class ReadinessCheck(BaseModel):
    """One dependency a container needs before it can serve, and whether it answered."""

    ok: bool
    latency_ms: float
    error: str | None = Field(default=None, description="The failure's kind (no paths or addresses).")


class Readiness(BaseModel):
    """Body of `GET /health/ready`: 200 when every check passed, else 503."""

    status: str = Field(description="`ready` or `not_ready`.")
    domains: list[str] = Field(description="The domains this container serves.")
    checks: dict[str, ReadinessCheck]


class HealthStatus(StrEnum):
    """The spec's `HealthStatus`: aggregate classification of a monitored system."""

    OK = "ok"
    DEGRADED = "degraded"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


# Most severe first: the order components are listed in and the rollup picks from.
SEVERITY_ORDER: tuple[HealthStatus, ...] = (
    HealthStatus.CRITICAL,
    HealthStatus.DEGRADED,
    HealthStatus.UNKNOWN,
    HealthStatus.OK,
)


class IssueSeverity(StrEnum):
    """The spec's `HealthIssue.severity`."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


MetricValue = int | float | str | bool


class HealthIssue(BaseModel):
    """The spec's `HealthIssue`: an outstanding issue or alert impacting a component."""

    code: str
    severity: IssueSeverity
    summary: str
    details: str | None = None


class HealthTimelineEntry(BaseModel):
    """The spec's `HealthTimelineEntry`: one sampled bucket of a component's series."""

    bucket: datetime
    value: float
    unit: str | None = None


class HealthLogReference(BaseModel):
    """The spec's `HealthLogReference`: where to read the logs relevant to a component."""

    label: str
    url: str
    tail_available: bool | None = None
    last_updated_at: datetime | None = None


class HealthComponentDetail(BaseModel):
    """The spec's `HealthComponentDetail`: status, metrics, issues, timeline and logs of a component."""

    id: str
    display_name: str | None = None
    status: HealthStatus
    observed_at: datetime
    description: str | None = None
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    issues: list[HealthIssue] = Field(default_factory=list)
    timeline: list[HealthTimelineEntry] | None = None
    logs: list[HealthLogReference] = Field(default_factory=list)


class HealthComponentCollection(BaseModel):
    """The spec's `HealthComponentCollection`: body of `GET /health/components`."""

    components: list[HealthComponentDetail]
    generated_at: datetime
    window_minutes: int = Field(ge=5)


class BenchmarkTarget(StrEnum):
    """Where a download benchmark sends its requests: this server on 127.0.0.1, or REGISTRY_PUBLIC_URL."""

    LOOPBACK = "loopback"
    PUBLIC = "public"


class BenchmarkState(StrEnum):
    """Where a download benchmark run is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DownloadBenchmarkRequest(BaseModel):
    """Body of `POST /health/download-benchmark`: which artifact, how many clients, downloads each."""

    model_config = ConfigDict(extra="forbid")

    artifact_type: ArtifactType
    artifact_id: str = Field(min_length=1, max_length=64, pattern=ARTIFACT_ID_PATTERN)
    clients: int = Field(default=10, ge=1, le=100, description="Concurrent clients (1-100).")
    downloads_per_client: int = Field(
        default=1,
        ge=1,
        le=1000,
        description="Bundle downloads each client makes, one after the other; clients x downloads x the "
        "bundle's size must stay within REGISTRY_HEALTH_BENCHMARK_MAX_BYTES.",
    )
    target: BenchmarkTarget = BenchmarkTarget.LOOPBACK


class DownloadFigures(BaseModel):
    """The figures `bench/` prints for downloads (package/routers/health/download_figures.py)."""

    downloads: int
    errors: int
    bytes: int
    seconds: float = Field(description="Wall time of the run.")
    mean_ms: float
    median_ms: float
    p99_ms: float
    throughput_mb_s: float = Field(description="Bytes of the successful downloads over the wall time, MB/s.")


class BenchmarkProgress(BaseModel):
    """Downloads finished (successful or not) out of those planned."""

    done: int
    total: int


class DownloadBenchmarkRun(BaseModel):
    """One download benchmark run: what it measures, where it is, and its figures once done."""

    job_id: str
    state: BenchmarkState
    artifact_type: ArtifactType
    artifact_id: str
    artifact_name: str
    target: BenchmarkTarget
    target_url: str
    clients: int
    downloads_per_client: int
    expected_bytes: int = Field(description="The bundle's size as the registry knows it (0: not known).")
    progress: BenchmarkProgress
    figures: DownloadFigures | None = None
    error: str | None = None
    started_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
