"""Settings of the health domain: request activity, upstream probes, and what makes a component degraded."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class HealthSettings(BaseSettings):
    """The health domain's settings; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    health_record_activity: bool = Field(
        default=True, description="Record request activity in per-minute buckets in storage."
    )
    health_flush_seconds: float = Field(
        default=5.0, gt=0, le=300, description="How often a process writes its buffered activity to storage."
    )
    health_retention_hours: int = Field(
        default=48, ge=24, description="How long activity stays in storage (the longest window is 24 h)."
    )
    health_probe_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often Hugging Face and GitHub are probed in the background."
    )
    health_probe_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Timeout of one upstream probe."
    )
    health_probe_slow_ms: float = Field(
        default=2000.0, gt=0, description="A probe (upstream or storage) slower than this is degraded."
    )
    health_probe_failures_critical: int = Field(
        default=2,
        ge=1,
        description="Consecutive failed probes that make an upstream critical (fewer: degraded).",
    )
    health_hf_probe_repo: str = Field(
        default="google-bert/bert-base-uncased",
        description="Public Hugging Face model whose metadata the upstream probe reads.",
    )
    health_error_rate_degraded: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of 5xx answers in the window that makes a domain degraded.",
    )
    health_error_rate_critical: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Share of 5xx answers (at least 3) that makes a domain critical.",
    )
    health_rating_backlog_degraded: int = Field(
        default=50, ge=1, description="Rating jobs waiting that make the rating pipeline degraded."
    )
    health_log_buffer_lines: int = Field(
        default=2000, ge=0, description="Recent log lines each process keeps for GET /health/logs."
    )
    health_log_url: str | None = Field(
        default=None, description="An external log viewer (e.g. CloudWatch) linked from health reports."
    )
    git_sha: str | None = Field(
        default=None, description="Commit the build came from; else read from .git when present."
    )

    health_benchmark_max_bytes: int = Field(
        default=4 * 1024**3,
        ge=1,
        description="Most bytes one download benchmark may ask for (clients x downloads x bundle size).",
    )
    health_benchmark_timeout_seconds: float = Field(
        default=300.0, gt=0, le=3600, description="A download benchmark still running after this is stopped."
    )
    health_benchmark_runs_kept: int = Field(
        default=20, ge=1, le=500, description="Download benchmark runs kept in storage (oldest go first)."
    )
    health_benchmark_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of this server on 127.0.0.1 for `loopback` benchmarks; unset: the port the request "
        "came in on.",
    )


@lru_cache(maxsize=1)
def get_health_settings() -> HealthSettings:
    """The process-wide health settings, read once from the environment."""
    return HealthSettings()


register_settings_cache(get_health_settings)


HealthSettingsDep = Annotated[HealthSettings, Depends(on_loop(get_health_settings))]
