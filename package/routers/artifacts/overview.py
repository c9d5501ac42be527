"""What people see of an artifact at a glance: its record and the headline facts of its snapshot."""

from __future__ import annotations

from package.core.storage import Storage
from package.routers.artifacts import database
from package.routers.artifacts.interface import (
    Artifact,
    ArtifactData,
    ArtifactOverview,
    ArtifactRecord,
    ArtifactSnapshot,
)


def download_url(record: ArtifactRecord, base_url: str) -> str:
    """Where the registry serves the artifact's bundle."""
    return f"{base_url.rstrip('/')}/download/{record.type.value}/{record.id}"


def envelope(record: ArtifactRecord, base_url: str) -> Artifact:
    """The spec's Artifact for a record."""
    return Artifact(
        metadata=record.metadata,
        data=ArtifactData(url=record.url, download_url=download_url(record, base_url)),
    )


def overview_of(storage: Storage, record: ArtifactRecord, *, base_url: str) -> ArtifactOverview:
    """`overview` of an artifact already loaded (e.g. by `CurrentArtifact`)."""
    raw = database.snapshot(storage, record.id)
    snapshot = ArtifactSnapshot.model_validate(raw) if raw is not None else None
    return ArtifactOverview(
        **envelope(record, base_url).model_dump(),
        **record.model_dump(
            include={
                "source_kind",
                "repo_id",
                "revision",
                "license",
                "created_at",
                "updated_at",
                "created_by",
                "reference_only",
                "gated",
                "mirror",
            }
        ),
        file_count=len(snapshot.files) if snapshot else 0,
        total_bytes=snapshot.total_bytes if snapshot else 0,
        tags=list(snapshot.tags) if snapshot else [],
        linked=snapshot.linked.model_dump(exclude_unset=True) if snapshot else {},
        stats=dict(snapshot.stats) if snapshot else {},
    )
