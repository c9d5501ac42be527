"""Settings of the license domain (docs/license.md); environment variables use the `REGISTRY_` prefix."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class LicenseSettings(BaseSettings):
    """How license checks read GitHub."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    license_cache_seconds: float = Field(
        default=600.0,
        ge=0,
        description="How long a GitHub project's license, once fetched for a license check, is reused "
        "(0: fetch every time).",
    )


@lru_cache(maxsize=1)
def get_license_settings() -> LicenseSettings:
    """The process-wide license settings, read once from the environment."""
    return LicenseSettings()


register_settings_cache(get_license_settings)
LicenseSettingsDep = Annotated[LicenseSettings, Depends(on_loop(get_license_settings))]
