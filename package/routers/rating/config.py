"""Settings of the rating domain (docs/metrics.md); environment variables use the `REGISTRY_` prefix."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class RatingSettings(BaseSettings):
    """How models are rated: when, how many at once, how long a metric may take, what GitHub data is read."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    ingest_min_score: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="When set, a model is rated as it is registered and refused (424, nothing stored) if "
        "any applicable score is below this value. Unset: off.",
    )
    rate_on_ingest: bool = Field(
        default=True,
        description="Rate every model in the background right after it is registered or changed, so "
        "/rate answers from the cache.",
    )
    rating_workers: int = Field(default=2, ge=1, le=16, description="Background rating jobs run at once.")
    rating_metric_workers: int = Field(
        default=16, ge=2, le=128, description="Metric computations run at once, across all ratings."
    )
    rating_metric_timeout_seconds: float = Field(
        default=60.0, gt=0, description="A metric slower than this fails its rating (500 naming the metric)."
    )
    rating_pull_sample: int = Field(
        default=10,
        ge=1,
        le=100,
        description="Most recent merged pull requests whose reviews and files `reviewedness` reads per "
        "repository (two GitHub calls each).",
    )
    rating_pull_sample_anonymous: int = Field(
        default=3,
        ge=1,
        le=100,
        description="The same without GITHUB_TOKEN (GitHub allows 60 anonymous calls an hour).",
    )
    rating_upstream_cache_seconds: float = Field(
        default=86400.0, ge=0, description="How long GitHub facts fetched for ratings are reused."
    )


@lru_cache(maxsize=1)
def get_rating_settings() -> RatingSettings:
    """The process-wide rating settings, read once from the environment."""
    return RatingSettings()


register_settings_cache(get_rating_settings)
RatingSettingsDep = Annotated[RatingSettings, Depends(on_loop(get_rating_settings))]
