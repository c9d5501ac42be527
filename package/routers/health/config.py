"""Settings of the health domain beyond the shared ones (environment variables, `REGISTRY_` prefix)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache


class HealthSettings(BaseSettings):
    """What the on-demand download benchmark (`POST /health/download-benchmark`) may do."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

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
    """The health settings, read once from the environment."""
    return HealthSettings()


register_settings_cache(get_health_settings)


HealthSettingsDep = Annotated[HealthSettings, Depends(get_health_settings)]
