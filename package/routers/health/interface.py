"""Pydantic models of the health domain: the spec's health shapes, liveness and tracks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


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
