"""Registry settings: one pydantic-settings class, every field an environment variable."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ALL_DOMAINS: tuple[str, ...] = ("auth", "artifacts", "rating", "lineage", "license", "health")


class StorageBackend(StrEnum):
    """Which storage driver holds records and blobs."""

    EMBEDDED = "embedded"


class MirrorPolicy(StrEnum):
    """When artifact content is copied into the blob store."""

    EAGER = "eager"  # right after registration, in the background
    LAZY = "lazy"  # on first download, as the bytes stream through
    OFF = "off"  # never: downloads always stream from upstream


class Settings(BaseSettings):
    """Every setting of the registry; environment variables use the `REGISTRY_` prefix."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    domains: str = Field(
        default=",".join(ALL_DOMAINS), description="Comma-separated domains this process serves."
    )
    storage: StorageBackend = StorageBackend.EMBEDDED
    data_dir: Path = Field(default=Path("var"), description="Embedded storage: SQLite file and blob folder.")
    public_url: str | None = Field(
        default=None, description="Base of absolute links; else taken from the request."
    )
    mirror: MirrorPolicy = MirrorPolicy.EAGER
    max_artifact_bytes: int = Field(
        default=20 * 1024**3, ge=0, description="Largest bundle the mirror copies."
    )
    mirror_workers: int = Field(default=2, ge=1, le=32)
    page_size: int = Field(default=100, ge=1, le=10_000)
    max_query_results: int = Field(default=10_000, ge=1, description="More matches than this answer 413.")
    regex_max_text_bytes: int = Field(
        default=1_000_000, ge=1024, description="README bytes searched per artifact."
    )
    upstream_timeout_seconds: float = Field(default=20.0, gt=0)
    log_level: str = "INFO"

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

    @field_validator("hf_endpoint", "github_api_url")
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


SettingsDep = Annotated[Settings, Depends(get_settings)]
