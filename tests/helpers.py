"""Builders shared by test modules (test modules never import each other; they import these)."""

from __future__ import annotations

from typing import Any

from package.routers.artifacts.interface import ArtifactRecord, ArtifactSnapshot, ArtifactType


def make_record(
    artifact_id: str,
    repo_id: str,
    *,
    source_kind: str = "hf_model",
    artifact_type: ArtifactType = ArtifactType.MODEL,
    name: str | None = None,
) -> ArtifactRecord:
    """A hand-made artifact record (no storage involved)."""
    return ArtifactRecord(
        id=artifact_id,
        name=name if name is not None else repo_id.rsplit("/", 1)[-1],
        type=artifact_type,
        url=f"https://example.test/{repo_id}",
        source_key=f"{source_kind}:{repo_id.lower()}@",
        source_kind=source_kind,
        repo_id=repo_id,
        created_at="2025-01-01T00:00:00Z",
        updated_at="2025-01-01T00:00:00Z",
        created_by="test",
        generation="g1",
    )


def make_snapshot(repo_id: str = "owner/repo", kind: str = "hf_model", **fields: Any) -> ArtifactSnapshot:
    """A typed snapshot as `artifact_services.details` returns it, validated from stored-item fields."""
    item: dict[str, Any] = {"source": {"kind": kind, "repo_id": repo_id}, **fields}
    return ArtifactSnapshot.model_validate(item)
