"""Batched reads of the upstream snapshots captured at ingest (`SNAPSHOT#<id> / v`, see database.py)."""

from __future__ import annotations

from collections.abc import Sequence

from package.core.storage import Storage
from package.routers.artifacts.interface import ArtifactSnapshot


def snapshots_by_id(storage: Storage, artifact_ids: Sequence[str]) -> dict[str, ArtifactSnapshot]:
    """The snapshots of these artifacts that exist, by id, in one batched read (hidden artifacts too)."""
    found = storage.records.get_many([(f"SNAPSHOT#{artifact_id}", "v") for artifact_id in artifact_ids])
    return {pk.removeprefix("SNAPSHOT#"): ArtifactSnapshot.model_validate(v) for (pk, _), v in found.items()}
