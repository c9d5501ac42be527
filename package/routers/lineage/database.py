"""Every storage access of the lineage domain: a derived index of what each artifact names and weighs.

Item layout (partition key / sort key):
  LINEAGE / <artifact id>   {schema, generation, bytes, refs: [...], relation, problem}

The index is derived from the artifacts domain's records: an entry whose `generation` differs from the
artifact's (or whose `schema` is older than this code's) is recomputed on read, so the index never serves a
stale graph; entries of deleted artifacts are ignored and removed. Reset clears the table, this partition too.
"""

from __future__ import annotations

from typing import Any

from package.core.storage import Storage

LINEAGE = "LINEAGE"


def entries(storage: Storage) -> dict[str, dict[str, Any]]:
    """Every index entry by artifact id (one partition read)."""
    return {r.sk: r.item for r in storage.records.query(LINEAGE)}


def entry(storage: Storage, artifact_id: str) -> dict[str, Any] | None:
    """One artifact's index entry, or None."""
    return storage.records.get(LINEAGE, artifact_id)


def save(storage: Storage, artifact_id: str, item: dict[str, Any]) -> None:
    """Write (or replace) one artifact's index entry."""
    storage.records.put(LINEAGE, artifact_id, item)


def forget(storage: Storage, artifact_id: str) -> None:
    """Remove one artifact's index entry if present."""
    storage.records.delete(LINEAGE, artifact_id)
