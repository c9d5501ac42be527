"""Settings every domain shares; each domain keeps its own in `routers/<domain>/config.py`.

Every field is an environment variable with the `REGISTRY_` prefix (upstream tokens also under their tools'
own names).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.on_loop import on_loop

ALL_DOMAINS: tuple[str, ...] = (
    "auth",
    "artifacts",
    "rating",
    "lineage",
    "license",
    "health",
    "safety",
    "web",
    "hub",
)


class StorageBackend(StrEnum):
    """Which storage driver holds records and blobs."""

    EMBEDDED = "embedded"
    AWS = "aws"


class MirrorPolicy(StrEnum):
    """When artifact content is copied into the blob store."""

    EAGER = "eager"  # right after registration, in the background
    LAZY = "lazy"  # on first download, as the bytes stream through
    OFF = "off"  # never: downloads always stream from upstream


class Settings(BaseSettings):
    """The settings every domain shares; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    domains: str = Field(
        default=",".join(ALL_DOMAINS), description="Comma-separated domains this process serves."
    )
    storage: StorageBackend = StorageBackend.EMBEDDED
    data_dir: Path = Field(default=Path("var"), description="Embedded storage: SQLite file and blob folder.")
    dynamodb_table: str = Field(default="registry", description="AWS storage: the records table (pk, sk).")
    s3_bucket: str = Field(default="registry-blobs", description="AWS storage: the blob bucket.")
    aws_endpoint_url: str | None = Field(
        default=None, description="AWS storage: another endpoint (moto, LocalStack)."
    )
    aws_region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices("REGISTRY_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    aws_create_resources: bool = Field(
        default=False, description="AWS storage: create the table and bucket if missing."
    )
    public_url: str | None = Field(
        default=None, description="Base of absolute links; else taken from the request."
    )
    mirror: MirrorPolicy = MirrorPolicy.EAGER
    max_artifact_bytes: int = Field(
        default=20 * 1024**3, ge=0, description="Largest bundle the mirror copies."
    )
    accel_redirect_prefix: str | None = Field(
        default=None,
        description="Behind nginx: serve stored blobs by X-Accel-Redirect to this internal location.",
    )
    mirror_workers: int = Field(default=2, ge=1, le=32)
    page_size: int = Field(default=100, ge=1, le=10_000)
    max_query_results: int = Field(default=10_000, ge=1, description="More matches than this answer 413.")
    regex_max_text_bytes: int = Field(
        default=1_000_000, ge=1024, description="README bytes searched per artifact."
    )
    upstream_timeout_seconds: float = Field(default=20.0, gt=0)
    log_level: str = "INFO"
    write_behind_ms: int = Field(
        default=200,
        ge=0,
        le=60_000,
        description="Token use counts and download audit entries are written in batches this often "
        "(and at shutdown); 0 writes each at once (always so on AWS Lambda).",
    )

    # Upstreams, under the names their own tools use.
    hf_endpoint: str = Field(
        default="https://huggingface.co", validation_alias=AliasChoices("HF_ENDPOINT", "REGISTRY_HF_ENDPOINT")
    )
    hf_token: str | None = Field(default=None, validation_alias=AliasChoices("HF_TOKEN", "REGISTRY_HF_TOKEN"))
    github_api_url: str = Field(
        default="https://api.github.com",
        validation_alias=AliasChoices("GITHUB_API_URL", "REGISTRY_GITHUB_API_URL"),
    )
    github_token: str | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_TOKEN", "REGISTRY_GITHUB_TOKEN")
    )
    kaggle_api_url: str = Field(
        default="https://api.kaggle.com/v1",
        description="Kaggle's API (RPC-style v1, as the kaggle CLI calls it).",
    )
    kaggle_username: str | None = Field(
        default=None, validation_alias=AliasChoices("KAGGLE_USERNAME", "REGISTRY_KAGGLE_USERNAME")
    )
    kaggle_key: str | None = Field(
        default=None, validation_alias=AliasChoices("KAGGLE_KEY", "REGISTRY_KAGGLE_KEY")
    )

    # Tokens every container verifies (core/tokens.py). Logins, accounts and token lifetime are the auth
    # domain's settings (routers/auth/config.py).
    jwt_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="HS256 signing secret shared by every container; when unset, a random one is "
        "generated once and kept in storage.",
    )
    token_max_uses: int = Field(
        default=1000, ge=1, description="A token stops working after this many calls."
    )

    # Publishing: shared by the artifacts domain (answers 202, hides the model) and rating (publishes it).
    async_rating: bool = Field(
        default=False,
        description="Answer model registrations with 202: the model stays hidden (404) until rated and is "
        "dropped if its rating fails or misses REGISTRY_INGEST_MIN_SCORE (a rating setting).",
    )

    @field_validator("hf_endpoint", "github_api_url", "kaggle_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("domains")
    @classmethod
    def _known_domains(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - set(ALL_DOMAINS))
        if unknown:
            raise ValueError(f"unknown domains {unknown}; known: {', '.join(ALL_DOMAINS)}")
        return ",".join(names)

    @property
    def domain_list(self) -> tuple[str, ...]:
        """The enabled domains, in declaration order."""
        return tuple(name for name in self.domains.split(",") if name)

    @property
    def sqlite_path(self) -> Path:
        """Where the embedded driver keeps its records."""
        return self.data_dir / "registry.sqlite3"

    @property
    def blob_dir(self) -> Path:
        """Where the embedded driver keeps blobs."""
        return self.data_dir / "blobs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


SettingsDep = Annotated[Settings, Depends(on_loop(get_settings))]

# The cached getters of the domains' settings (`get_<domain>_settings`), so one call forgets them all.
_settings_caches: list[Callable[[], Any]] = [get_settings]


def register_settings_cache(getter: Callable[[], Any]) -> None:
    """Let `clear_settings_caches` forget a domain's cached settings (called by each domain's config.py)."""
    if getter not in _settings_caches:
        _settings_caches.append(getter)


def clear_settings_caches() -> None:
    """Read every settings class from the environment again on next use (tests, after changing it)."""
    for getter in _settings_caches:
        cache_clear = getattr(getter, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()
