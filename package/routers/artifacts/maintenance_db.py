"""Storage access of maintenance: the source-claim migration, migration versions, the orphan blob sweep.

MIGRATION / <name>    the version of a one-time start-up migration this store has had
"""

from __future__ import annotations

from collections.abc import Iterator

from package.core.storage import Check, Delete, Put, Storage, StoredBlob
from package.routers.artifacts.database import ARTIFACT, SOURCE, source_sk
from package.routers.artifacts.interface import ArtifactRecord

MIGRATION = "MIGRATION"


def move_claim(storage: Storage, record: ArtifactRecord, key: str, *, take_over: bool) -> None:
    """Make a record claim `key` instead of its stored source key (`take_over`: even if another holds it).

    ConditionFailed when the record changed meanwhile, or when `key` is held and not `take_over`.
    """
    moved = record.model_copy(update={"source_key": key})
    # The mirror rewrites the record without a new generation: its progress must not be overwritten.
    mirror = record.mirror.model_dump(mode="json")
    unchanged = {"generation": record.generation, "source_key": record.source_key, "mirror": mirror}
    storage.records.transact(
        [
            Check(ARTIFACT, record.id, equals=unchanged),
            Delete(SOURCE, source_sk(record.type, record.source_key)),
            Put(SOURCE, source_sk(record.type, key), {"id": record.id}, if_absent=not take_over),
            Put(ARTIFACT, record.id, moved.model_dump(mode="json")),
        ]
    )


def migration_version(storage: Storage, name: str) -> int:
    """The version of a one-time migration this store has had (0: never)."""
    item = storage.records.get(MIGRATION, name)
    return 0 if item is None else int(item.get("version", 0))


def set_migration_version(storage: Storage, name: str, version: int, done_at: str) -> None:
    """Record that a one-time migration ran on this store."""
    storage.records.put(MIGRATION, name, {"version": version, "done_at": done_at})


def stored_blobs(storage: Storage) -> Iterator[StoredBlob]:
    """Every blob in the blob store, referenced or not (for the orphan sweep)."""
    return storage.blobs.listing()


def delete_blob(storage: Storage, sha256: str) -> None:
    """Remove one blob from the blob store."""
    storage.blobs.delete(sha256)
