"""Settings of the request limits, client addresses and response headers every container applies."""

from __future__ import annotations

import ipaddress
from functools import cached_property, lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNIX_PEERS = "unix"
"""In `trusted_proxies`: a peer on a Unix socket (whose file permissions choose who may connect)."""


class SecuritySettings(BaseSettings):
    """Limits and headers shared by every domain; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed, and `unix` for a proxy connecting over a Unix socket (make run's "
        "nginx); empty: none, the connecting address is the client.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body; larger ones answer 413 unread."
    )
    max_header_bytes: int = Field(
        default=16 * 1024, ge=1024, description="Largest total size of a request's headers (431 above)."
    )
    max_url_bytes: int = Field(
        default=8 * 1024, ge=256, description="Longest path plus query string (414 above)."
    )
    rate_limit_per_minute: int = Field(
        default=6000,
        ge=0,
        description="Requests one client address may make per minute across all containers "
        "(429 with Retry-After above); 0: off.",
    )
    rate_limit_sync_every: int = Field(
        default=20,
        ge=1,
        description="A process adds its counts to storage after this many requests of a client (or 1 s).",
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins allowed to call the API from a browser (CORS); empty: off.",
    )
    hsts_seconds: int = Field(
        default=31_536_000, ge=0, description="Strict-Transport-Security max-age on HTTPS requests; 0: off."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for part in _parts(value):
            if part != UNIX_PEERS:
                ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry
        return value

    @cached_property
    def proxy_networks(self) -> tuple[Network, ...]:
        """The trusted proxies as networks (parsed once: every request reads them)."""
        return tuple(
            ipaddress.ip_network(part, strict=False)
            for part in _parts(self.trusted_proxies)
            if part != UNIX_PEERS
        )

    @cached_property
    def trusts_unix_peers(self) -> bool:
        """Whether a peer connected over a Unix socket is a trusted proxy."""
        return UNIX_PEERS in _parts(self.trusted_proxies)

    @property
    def cors_origin_list(self) -> list[str]:
        """The CORS origins, if any."""
        return _parts(self.cors_origins)


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@lru_cache(maxsize=1)
def get_security_settings() -> SecuritySettings:
    """The process-wide security settings, read once from the environment."""
    return SecuritySettings()


register_settings_cache(get_security_settings)


SecuritySettingsDep = Annotated[SecuritySettings, Depends(on_loop(get_security_settings))]
