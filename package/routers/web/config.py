"""Settings of the web interface (environment variables with the `REGISTRY_` prefix)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class WebSettings(BaseSettings):
    """What the web interface needs beyond the shared settings."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    web_page_size: int = Field(default=25, ge=5, le=200, description="Artifacts per page of the web catalog.")
    web_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the web sign-in cookie Secure; unset: Secure exactly when the request came over "
        "https (X-Forwarded-Proto from the gateway counts).",
    )


@lru_cache(maxsize=1)
def get_web_settings() -> WebSettings:
    """The web settings, read once from the environment."""
    return WebSettings()


register_settings_cache(get_web_settings)


WebSettingsDep = Annotated[WebSettings, Depends(on_loop(get_web_settings))]
