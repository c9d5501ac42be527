"""The artifacts domain's own settings (shared ones stay in core); variables use the `REGISTRY_` prefix."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class DownloadRedirect(StrEnum):
    """How a download of a stored blob reaches the client when the blob store can hand out URLs (S3)."""

    PRESIGNED = "presigned"  # redirect to a short-lived presigned URL: the bytes never pass the registry
    STREAM = "stream"  # stream through the registry (private networks where clients cannot reach S3)


class ArtifactsSettings(BaseSettings):
    """Downloads (redirect to the blob store or stream through) and how much history an artifact keeps."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    download_redirect: DownloadRedirect = Field(
        default=DownloadRedirect.PRESIGNED,
        description="With S3 blobs: `presigned` redirects downloads to a short-lived presigned S3 URL "
        "(needed on Lambda, whose responses are capped at 6 MB); `stream` sends the bytes through.",
    )
    max_stream_bytes: int | None = Field(
        default=None,
        ge=1,
        description="Largest download streamed from upstream through the registry; a larger one not yet "
        "copied answers 503 with Retry-After while its copy runs (Lambda caps responses at 6 MB).",
    )
    mirror_retry_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="A copy that failed (an upstream fault) is tried again by the next process start or "
        "`python -m worker` run at least this long after it failed.",
    )
    orphan_grace_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="A blob no artifact references is deleted by the orphan sweep (at start-up and by "
        "`python -m worker`) once it is this old; younger ones may belong to an ingest in flight.",
    )
    presign_seconds: int = Field(
        default=300, ge=1, le=7 * 24 * 3600, description="Lifetime of a presigned download URL, seconds."
    )
    regex_deadline_ms: int = Field(
        default=3000,
        ge=1,
        le=600_000,
        description="Longest a byRegEx search may run, ms; a pattern that needs longer (one with no literal "
        "for the index, over a large registry) answers 400 `pattern_too_expensive` instead of tying up a "
        "worker.",
    )
    versions_kept: int = Field(
        default=5,
        ge=0,
        le=1000,
        description="Earlier versions of an artifact whose bundles stay downloadable (?version=N) and whose "
        "stored rating, lineage and cost stay readable; older ones stay listed without them. 0: only the "
        "current version is kept.",
    )


@lru_cache(maxsize=1)
def get_artifacts_settings() -> ArtifactsSettings:
    """The artifacts domain's settings, read once from the environment."""
    return ArtifactsSettings()


register_settings_cache(get_artifacts_settings)

ArtifactsSettingsDep = Annotated[ArtifactsSettings, Depends(on_loop(get_artifacts_settings))]
