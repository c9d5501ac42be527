"""Pydantic models of the rating domain: the spec's ModelRating exactly, plus the stored rating and stats."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from package.routers.safety.interface import SafetySummary

MODEL_CATEGORY = "MODEL"


class RatingModel(BaseModel):
    """Base of the rating domain's shapes."""

    model_config = ConfigDict(extra="ignore")


class SizeScore(RatingModel):
    """How well the model's weights fit each deployment target, 0..1."""

    raspberry_pi: float
    jetson_nano: float
    desktop_pc: float
    aws_server: float


class ModelRating(RatingModel):
    """The spec's ModelRating: twelve scores and the seconds each took (an unknown field is an error)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    category: str
    net_score: float
    net_score_latency: float
    ramp_up_time: float
    ramp_up_time_latency: float
    bus_factor: float
    bus_factor_latency: float
    performance_claims: float
    performance_claims_latency: float
    license: float
    license_latency: float
    dataset_and_code_score: float
    dataset_and_code_score_latency: float
    dataset_quality: float
    dataset_quality_latency: float
    code_quality: float
    code_quality_latency: float
    reproducibility: float
    reproducibility_latency: float
    reviewedness: float
    reviewedness_latency: float
    tree_score: float
    tree_score_latency: float
    size_score: SizeScore
    size_score_latency: float


class MetricReport(RatingModel):
    """One metric's outcome and why."""

    score: float | dict[str, float]
    latency: float = Field(description="Seconds the metric took.")
    applicable: bool = Field(
        default=True, description="False when the metric has no subject here; it is left out of net_score."
    )
    weight: float = Field(description="Its weight in net_score before renormalisation.")
    reason: str


class RatingInputs(RatingModel):
    """The registered artifacts and upstream sources a rating read (what invalidates it when they change)."""

    dataset_ids: list[str] = Field(default_factory=list)
    code_ids: list[str] = Field(default_factory=list)
    parent_ids: list[str] = Field(default_factory=list)
    parent_scores: dict[str, float] = Field(
        default_factory=dict,
        description="Each parent's net score as tree_score read it (a parent's new score re-rates only the "
        "children that read another).",
    )
    code_repository: str | None = Field(default=None, description="GitHub owner/name read for the code.")
    dataset_refs: list[str] = Field(default_factory=list, description="Datasets the model names.")
    code_refs: list[str] = Field(default_factory=list, description="GitHub repositories the model links.")
    parent_refs: list[str] = Field(default_factory=list, description="Base models the card names.")
    owner: str | None = None
    model_name: str = ""

    @property
    def used_ids(self) -> set[str]:
        """Every registered artifact the rating read."""
        return {*self.dataset_ids, *self.code_ids, *self.parent_ids}


class RatingReport(RatingModel):
    """A stored rating: the spec's answer, each metric's reason, and what it was computed from."""

    artifact_id: str
    generation: str = Field(description="The artifact's generation the rating was computed for.")
    rated_at: str
    wall_seconds: float
    rating: ModelRating
    metrics: dict[str, MetricReport]
    inputs: RatingInputs
    safety: SafetySummary | None = Field(
        default=None, description="The safety domain's verdict on the model's files and name (read live)."
    )
    degraded: list[str] = Field(
        default_factory=list,
        description="Metrics whose upstream input could not be read now (scored 0, left out of net_score), "
        "each with the reason; such a rating is not stored.",
    )

    def applicable_scores(self) -> dict[str, float]:
        """Each applicable metric's score (a device map counts by its best device), for thresholds."""
        scores: dict[str, float] = {}
        for name, report in self.metrics.items():
            if not report.applicable:
                continue
            value: Any = report.score
            scores[name] = max(value.values()) if isinstance(value, dict) else float(value)
        scores["net_score"] = self.rating.net_score
        return scores


class RatingPipelineStats(RatingModel):
    """State of the background rating pipeline (read by the health domain)."""

    queue_depth: int = Field(description="Rating jobs waiting for a worker.")
    running: int = Field(description="Rating jobs being computed now.")
    recent_failures: int = Field(description="Ratings that failed in the last hour.")
    last_error: str | None = None
    last_rated_at: str | None = Field(default=None, description="When the last rating finished (UTC).")
    completed: int = Field(default=0, description="Ratings computed since the process started.")
