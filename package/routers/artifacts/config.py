"""The artifacts domain's own settings (shared ones stay in core); variables use the `REGISTRY_` prefix."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache


class ArtifactsSettings(BaseSettings):
    """How much history an artifact keeps."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    versions_kept: int = Field(
        default=5,
        ge=0,
        le=1000,
        description="Earlier versions of an artifact whose bundles stay downloadable (?version=N); older "
        "ones stay listed without their bytes. 0: only the current version's bundle is kept.",
    )


@lru_cache(maxsize=1)
def get_artifacts_settings() -> ArtifactsSettings:
    """The process-wide artifacts settings, read once from the environment."""
    return ArtifactsSettings()


register_settings_cache(get_artifacts_settings)
ArtifactsSettingsDep = Annotated[ArtifactsSettings, Depends(get_artifacts_settings)]
