"""Pydantic models of the web domain: what each page shows, built by services and rendered by templates."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from package.routers.artifacts.interface import (
    ArtifactAuditEntry,
    ArtifactOverview,
    ArtifactType,
    ArtifactVersion,
)
from package.routers.auth.interface import UserRead
from package.routers.health.interface import DownloadBenchmarkRun, HealthComponentDetail
from package.routers.license.interface import LicenseCheckReport, LicenseInfo
from package.routers.safety.interface import Finding, SafetyReport


class ViewModel(BaseModel):
    """Base of the page models."""

    model_config = ConfigDict(extra="forbid")


class SearchMode(StrEnum):
    """How the catalog's search box reads its text."""

    NAME = "name"
    REGEX = "regex"


class CatalogQuery(ViewModel):
    """The catalog's search form."""

    text: str = Field(default="", max_length=4096)
    mode: SearchMode = SearchMode.NAME
    artifact_type: ArtifactType | None = None
    page: int = Field(default=1, ge=1)


class CatalogRow(ViewModel):
    """One artifact in the catalog."""

    id: str
    name: str
    type: ArtifactType
    license: str | None
    size_bytes: int
    net_score: float | None = Field(description="None while the model is not rated, or for non-models.")


class CatalogPage(ViewModel):
    """One page of the catalog."""

    query: CatalogQuery
    rows: list[CatalogRow]
    total: int
    pages: int
    error: str | None = Field(default=None, description="Why the search could not run (a bad regex).")


class FileRow(ViewModel):
    """One file of an artifact."""

    path: str
    size: int
    sha256: str | None
    format: str | None = Field(default=None, description="What the safety scan recognised the file as.")
    carries_code: bool = Field(default=False, description="A format that can run code when loaded (pickle).")


class ScoreBar(ViewModel):
    """One rating metric as a labelled bar."""

    metric: str
    label: str
    score: float = Field(description="0..1; a per-device score shows its best device.")
    devices: dict[str, float] = Field(default_factory=dict)
    applicable: bool
    weight: float
    reason: str


class RatingView(ViewModel):
    """A model's rating as the page shows it."""

    net_score: float
    rated_at: str
    bars: list[ScoreBar]
    formula: str


class LineageNodeView(ViewModel):
    """A node of the drawn lineage graph."""

    id: str
    name: str
    label: str
    x: int
    y: int
    href: str | None = Field(description="The node's page when it is registered here.")
    current: bool
    detail: str


class LineageEdgeView(ViewModel):
    """An edge of the drawn lineage graph, from the upstream node's right side to the downstream's left."""

    x1: int
    y1: int
    x2: int
    y2: int
    relationship: str


class LineageView(ViewModel):
    """The lineage graph laid out for an inline SVG."""

    width: int
    height: int
    node_width: int
    node_height: int
    nodes: list[LineageNodeView]
    edges: list[LineageEdgeView]


class CostView(ViewModel):
    """Cost in MB with and without dependencies."""

    standalone_mb: float
    total_mb: float


class SafetyView(ViewModel):
    """The safety domain's report as the page shows it: the verdict spelled out, not only coloured."""

    report: SafetyReport
    label: str = Field(description="The verdict in words, e.g. `Dangerous: do not load`.")
    note: str | None = Field(default=None, description="Why the verdict is not final (files not scanned).")
    findings: list[Finding] = Field(description="The report's findings, worst first, but `not_mirrored`.")


class ArtifactPage(ViewModel):
    """Everything the artifact page shows."""

    overview: ArtifactOverview
    license: LicenseInfo
    readme_html: str
    files: list[FileRow]
    rating: RatingView | None
    lineage: LineageView | None
    cost: CostView | None
    audit: list[ArtifactAuditEntry]
    safety: SafetyView
    versions: list[ArtifactVersion] = Field(description="Oldest first; the last is the current version.")


class LicenseCheckOutcome(ViewModel):
    """The license-check form's answer: the report, or the registry's error message."""

    github_url: str
    report: LicenseCheckReport | None = None
    error: str | None = None


class ActivityBar(ViewModel):
    """One bucket of the request-activity chart."""

    x: int
    y: int
    height: int
    label: str
    value: float


class HealthView(ViewModel):
    """The health page: components and the request activity chart."""

    overall: HealthComponentDetail | None = Field(description="The `registry` rollup, shown first.")
    components: list[HealthComponentDetail]
    window_minutes: int
    chart_title: str
    chart_unit: str
    chart_max: float
    bars: list[ActivityBar]
    bar_width: int
    benchmark: DownloadBenchmarkRun | None = Field(
        default=None, description="The latest download benchmark run (POST /health/download-benchmark)."
    )


class AdminView(ViewModel):
    """The admin page: every account."""

    users: list[UserRead]
