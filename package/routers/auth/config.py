"""Settings of the auth domain (beyond the shared ones in core): how much password hashing runs at once."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache


class AuthSettings(BaseSettings):
    """The auth domain's settings; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    password_hash_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="argon2id hashes or verifications run at once per process (each takes "
        "REGISTRY_PASSWORD_HASH_MEMORY_KIB); others wait in line.",
    )
    password_hash_queue_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a login waits for a hashing slot before it answers 429 with Retry-After.",
    )


@lru_cache(maxsize=1)
def get_auth_settings() -> AuthSettings:
    """The process-wide auth settings, read once from the environment."""
    return AuthSettings()


register_settings_cache(get_auth_settings)


AuthSettingsDep = Annotated[AuthSettings, Depends(get_auth_settings)]
