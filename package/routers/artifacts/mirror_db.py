"""Storage of mirror progress: each artifact's mirror state (in its record) and the index of copies to do.

Item layout (partition key / sort key):
  MIRRORING / <id>                {"generation"}: the artifact's copy is pending, under way or failed (what a
                                  start-up resumes); written or removed in the same transaction as the record
                                  whose mirror state it follows (create, replace, progress, delete)
  SCHEMA / artifacts-mirroring    {"version": N}: every stored artifact is filed (after a backfill or a reset)

A start-up reads this partition (the few copies left unfinished) instead of every artifact record. A store
written before the index gets it once, on the first start that finds no mark: the backfill reads every record
once, a page at a time, without validating it, and files the unfinished ones; each entry it writes is
conditional on the record still holding the mirror state read, so a copy finishing meanwhile leaves no entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from package.core.index_mark import IndexMark, file_partition
from package.core.storage import Check, ConditionFailed, Delete, Put, Record, Storage, key_pages
from package.core.storage.interface import Operation
from package.routers.artifacts.interface import ArtifactRecord, MirrorState, MirrorStatus

ARTIFACT = "ARTIFACT"  # the artifact records (database.py); read here, never written but with their state
UNFINISHED = "MIRRORING"
UNFINISHED_STATUSES = frozenset({MirrorStatus.PENDING, MirrorStatus.MIRRORING, MirrorStatus.FAILED})
INDEX = IndexMark("SCHEMA", "artifacts-mirroring", 1)
MIRROR_STATE_ATTEMPTS = 3  # a record read, then changed by another writer, is read again
PAGE = 500
BACKFILL_BATCH = 40  # two operations per unfinished artifact: at most 80 per transaction (DynamoDB: 100)


def unfinished(state: MirrorState) -> bool:
    """Whether a copy with this state is left to do (pending, under way, or failed and to be tried again)."""
    return state.status in UNFINISHED_STATUSES


def entry(artifact_id: str, generation: str, state: MirrorState) -> Operation:
    """The index write that goes with storing this mirror state: file the artifact, or take it out."""
    if unfinished(state):
        return Put(UNFINISHED, artifact_id, {"generation": generation})
    return Delete(UNFINISHED, artifact_id)


def removal(artifact_id: str) -> Operation:
    """The index delete that goes with removing an artifact."""
    return Delete(UNFINISHED, artifact_id)


def get(storage: Storage, artifact_id: str) -> ArtifactRecord | None:
    """One artifact record, as a mirror state write reads it first."""
    item = storage.records.get(ARTIFACT, artifact_id)
    return None if item is None else ArtifactRecord.model_validate(item)


def save_mirror_state(storage: Storage, artifact_id: str, generation: str, state: MirrorState) -> None:
    """Store an artifact's mirror progress and its index entry; ConditionFailed if the artifact is gone or
    changed source."""
    for attempt in range(MIRROR_STATE_ATTEMPTS):
        record = get(storage, artifact_id)
        if record is None or record.generation != generation:
            raise ConditionFailed(f"artifact {artifact_id} is gone or has a new source")
        updated = record.model_copy(update={"mirror": state})
        # Its claim may move meanwhile (the start-up claims migration): the write keeps what it read.
        unchanged = {"generation": generation, "source_key": record.source_key}
        ops: list[Operation] = [
            Check(ARTIFACT, artifact_id, equals=unchanged),
            Put(ARTIFACT, artifact_id, updated.model_dump(mode="json")),
            entry(artifact_id, generation, state),
        ]
        if state.bundle_sha256:
            ops.append(Put(f"BLOBREF#{state.bundle_sha256}", artifact_id, {}))
        try:
            storage.records.transact(ops)
            return
        except ConditionFailed:
            if attempt == MIRROR_STATE_ATTEMPTS - 1:
                raise


def unfinished_pages(storage: Storage) -> Iterator[list[str]]:
    """Ids of the artifacts whose copy is unfinished, a page at a time (the index is backfilled first)."""
    INDEX.ensure(storage, _backfill)
    yield from key_pages(storage.records, UNFINISHED, limit=PAGE)


def drop_stale(storage: Storage, artifact_id: str, record: ArtifactRecord | None) -> bool:
    """Remove an entry whose artifact is gone or finished (as read: `record`), unless it changed since."""
    if record is None:
        guard = Check(ARTIFACT, artifact_id, exists=False)
    else:
        held = {"generation": record.generation, "mirror": record.mirror.model_dump(mode="json")}
        guard = Check(ARTIFACT, artifact_id, equals=held)
    try:
        storage.records.transact([guard, Delete(UNFINISHED, artifact_id)])
    except ConditionFailed:
        return False
    return True


def mark_current(storage: Storage) -> None:
    """Record that the index is complete (after a reset: an empty registry has nothing unfinished)."""
    INDEX.mark(storage)


def _backfill(storage: Storage, _stored_version: int) -> int:
    def file(batch: list[Record]) -> int:
        return _file(storage, [r.item for r in batch if _unfinished_item(r.item)])

    return file_partition(storage, ARTIFACT, file, read=PAGE, batch=BACKFILL_BATCH)


def _unfinished_item(item: dict[str, Any]) -> bool:
    """The stored status alone, read without validating the record (the backfill reads every record)."""
    mirror = item.get("mirror")
    return isinstance(mirror, dict) and mirror.get("status") in {s.value for s in UNFINISHED_STATUSES}


def _backfill_ops(item: dict[str, Any]) -> list[Operation]:
    # Only while the record still holds the state read: a write since then filed (or unfiled) it itself.
    held = {"generation": item.get("generation"), "mirror": item.get("mirror")}
    value = {"generation": item.get("generation")}
    return [Check(ARTIFACT, str(item["id"]), equals=held), Put(UNFINISHED, str(item["id"]), value)]


def _file(storage: Storage, items: list[dict[str, Any]]) -> int:
    if not items:
        return 0
    try:
        storage.records.transact([op for item in items for op in _backfill_ops(item)])
        return len(items)
    except ConditionFailed:
        pass  # one of them changed meanwhile: file them one by one, re-reading each
    filed = 0
    for item in items:
        current = storage.records.get(ARTIFACT, str(item["id"]))
        if current is None or not _unfinished_item(current):
            continue  # deleted or finished meanwhile: nothing to file
        try:
            storage.records.transact(_backfill_ops(current))
            filed += 1
        except ConditionFailed:
            continue  # changed again: the change wrote its own entry
    return filed
