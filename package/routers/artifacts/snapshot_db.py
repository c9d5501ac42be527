"""Where the upstream snapshot captured at ingest is stored (`SNAPSHOT#<id> / v`), and its batched read."""

from __future__ import annotations

from collections.abc import Sequence

from package.core.storage import Storage
from package.routers.artifacts.interface import ArtifactSnapshot

_PREFIX = "SNAPSHOT#"


def key(artifact_id: str) -> tuple[str, str]:
    """The (partition, sort) key of an artifact's snapshot (database.py writes, reads and deletes it)."""
    return f"{_PREFIX}{artifact_id}", "v"


def snapshots_by_id(storage: Storage, artifact_ids: Sequence[str]) -> dict[str, ArtifactSnapshot]:
    """The snapshots of these artifacts that exist, by id, in one batched read (hidden artifacts too)."""
    found = storage.records.get_many([key(artifact_id) for artifact_id in artifact_ids])
    return {pk.removeprefix(_PREFIX): ArtifactSnapshot.model_validate(v) for (pk, _), v in found.items()}
