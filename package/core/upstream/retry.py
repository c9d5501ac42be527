"""Retrying upstream calls that failed for a passing reason: 5xx, 429, timeouts, dropped connections.

Each call is tried up to REGISTRY_UPSTREAM_RETRY_ATTEMPTS times with jittered exponential backoff (stamina),
within REGISTRY_UPSTREAM_RETRY_SECONDS in total; then the last error stands (a clean 502 at the route).
Answers that will not change on retry (404, a gate, an exhausted rate-limit quota) are not retried.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import stamina
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.errors import UpstreamError

T = TypeVar("T")
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class TransientUpstreamError(UpstreamError):
    """An upstream failure worth trying again (5xx, 429 with a short wait, timeout, dropped connection)."""

    code = "upstream_unavailable"


class RetrySettings(BaseSettings):
    """How hard upstream calls are retried; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    upstream_retry_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries of an upstream call that fails transiently (1: no retry)."
    )
    upstream_retry_seconds: float = Field(
        default=10.0, gt=0, description="Longest time spent retrying one upstream call, waits included."
    )


@lru_cache(maxsize=1)
def get_retry_settings() -> RetrySettings:
    """The process-wide retry settings, read once from the environment."""
    return RetrySettings()


register_settings_cache(get_retry_settings)


def with_retries(call: Callable[[], T]) -> T:
    """`call()`, tried again after TransientUpstreamError while attempts and time remain."""
    settings = get_retry_settings()
    for attempt in stamina.retry_context(
        on=TransientUpstreamError,
        attempts=settings.upstream_retry_attempts,
        timeout=settings.upstream_retry_seconds,
        wait_initial=0.2,
        wait_max=2.0,
    ):
        with attempt:
            return call()
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover
