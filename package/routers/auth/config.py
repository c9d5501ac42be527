"""Settings of the auth domain: logins, password hashing, the default admin and how long tokens live.

Core keeps what every container needs to check a token (`REGISTRY_JWT_SECRET`, `REGISTRY_TOKEN_MAX_USES`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.hardening import register_insecure_check
from package.core.on_loop import on_loop

# The password the spec publishes for the default admin: the default here, and a start-up warning while kept.
SPEC_DEFAULT_ADMIN_PASSWORD = "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"


class AuthSettings(BaseSettings):
    """The auth domain's settings; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    default_admin_password: SecretStr = Field(
        default=SecretStr(SPEC_DEFAULT_ADMIN_PASSWORD),
        description="Password of the default admin created at first start and restored by reset "
        "(default: the spec's).",
    )
    token_lifetime_hours: float = Field(
        default=10.0, gt=0, description="A token expires this long after login."
    )
    password_hash_time_cost: int = Field(default=3, ge=1, description="argon2id passes per password hash.")
    password_hash_memory_kib: int = Field(default=65536, ge=8, description="argon2id memory per hash, KiB.")
    password_hash_parallelism: int = Field(default=4, ge=1, le=64, description="argon2id lanes per hash.")
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
    login_free_failures_per_name: int = Field(
        default=5, ge=1, description="Failed logins for one name before further attempts must wait."
    )
    login_free_failures_per_client: int = Field(
        default=20, ge=1, description="Failed logins from one client address before it must wait."
    )
    login_backoff_base_seconds: float = Field(
        default=1.0, gt=0, description="First wait after the free failures; doubles with each further one."
    )
    login_backoff_max_seconds: float = Field(
        default=300.0, gt=0, description="Longest wait a login is given."
    )
    login_failures_forget_seconds: float = Field(
        default=900.0, gt=0, description="Failures are forgotten after this long without another."
    )

    @property
    def token_lifetime_seconds(self) -> float:
        """How long a login's token lives, in seconds."""
        return self.token_lifetime_hours * 3600


@lru_cache(maxsize=1)
def get_auth_settings() -> AuthSettings:
    """The process-wide auth settings, read once from the environment."""
    return AuthSettings()


register_settings_cache(get_auth_settings)


AuthSettingsDep = Annotated[AuthSettings, Depends(on_loop(get_auth_settings))]


def insecure_auth_settings(settings: AuthSettings) -> list[str]:
    """What in the auth settings an attacker could use: each entry says what and how to fix it."""
    if settings.default_admin_password.get_secret_value() == SPEC_DEFAULT_ADMIN_PASSWORD:
        return [
            "the default admin's password is the spec's published one: anyone who can reach the registry "
            "can log in as admin; set REGISTRY_DEFAULT_ADMIN_PASSWORD"
        ]
    return []


def _insecure_now() -> list[str]:
    return insecure_auth_settings(get_auth_settings())


register_insecure_check(_insecure_now)
