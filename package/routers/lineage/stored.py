"""The catalog read from storage on demand: only the artifacts a question touches are read.

`StoredCatalog` answers like `Catalog` (same resolution, parents, children, walks) but reads each record and
index entry when first needed, resolves references through the reverse-index rows (who is known by an alias,
who names a target), and finds children through the rows of their references, so a lineage, a cost or a
rating's parents cost reads proportional to the artifacts involved, never to the registry's size. What the
rows suggest is always checked against the entries, so a stale row never changes an answer.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

from package.core.errors import NotFound
from package.core.storage import Storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
from package.routers.lineage import database
from package.routers.lineage.catalog import SCHEMA, Catalog, Entry, _entry, compute_item, refresh
from package.routers.lineage.references import Reference, RefKind

logger = logging.getLogger("registry.lineage")
# Bump when the reverse-index rows change shape, so existing databases are indexed again once.
INDEX_VERSION = 1
_checked: weakref.WeakSet[Storage] = weakref.WeakSet()  # storages whose index version this process has seen
_backfill_lock = threading.Lock()
BACKFILL_BATCH = 500  # artifacts whose snapshots are read, and whose rows are written, together


class StoredCatalog(Catalog):
    """A catalog that reads records and entries from storage as they are needed (memoised per instance)."""

    def __init__(self, storage: Storage) -> None:
        super().__init__([], {})
        self.storage = storage
        self._records: dict[str, ArtifactRecord | None] = {}
        self._entries: dict[str, Entry] = {}
        self._child_memo: dict[str, list[tuple[str, Reference]]] = {}

    def pin(self, record: ArtifactRecord, item: dict[str, Any]) -> None:
        """Answer for this artifact with this record and index item (an earlier version's), not storage's."""
        self._records[record.id] = record
        self._entries[record.id] = _entry(record.id, item)

    def known(self, record: ArtifactRecord) -> None:
        """A published record the caller has read: not read again."""
        self._records.setdefault(record.id, record)

    def _lookup(self, artifact_id: str) -> ArtifactRecord | None:
        if artifact_id not in self._records:
            self._records[artifact_id] = artifact_services.find_record(self.storage, artifact_id)
        return self._records[artifact_id]

    def record(self, artifact_id: str) -> ArtifactRecord:
        """A registered (published) artifact's record (NotFound when unknown)."""
        found = self._lookup(artifact_services.check_artifact_id(artifact_id))
        if found is None:
            raise NotFound(f"No artifact has id {artifact_id}.")
        return found

    def entry(self, artifact_id: str) -> Entry:
        """An artifact's index entry, recomputed (and stored) when missing or stale."""
        if artifact_id not in self._entries:
            record = self.record(artifact_id)
            item = database.entry(self.storage, record.id)
            if item is None or item.get("schema") != SCHEMA or item.get("generation") != record.generation:
                item = refresh(self.storage, record)
            self._entries[artifact_id] = _entry(artifact_id, item)
        return self._entries[artifact_id]

    def _visible(self, ids: list[str], artifact_type: ArtifactType) -> list[str]:
        """The ids that are published artifacts of this type, oldest first (the order `Catalog` keeps)."""
        records = [r for r in (self._lookup(i) for i in dict.fromkeys(ids)) if r is not None]
        records = [r for r in records if r.type is artifact_type]
        return [r.id for r in sorted(records, key=lambda r: (r.created_at, r.id))]

    def keyed(self, artifact_type: ArtifactType, alias: str) -> list[str]:
        """Published artifacts of this type known by this (lower-case) repo id alias, oldest first."""
        found = database.lookup(self.storage, database.KEY, artifact_type.value, alias)
        return [i for i in self._visible(found, artifact_type) if alias in self.entry(i).aliases]

    def named(self, artifact_type: ArtifactType, repo_name: str) -> list[str]:
        """Published artifacts of this type whose repo name (no owner) is this, oldest first."""
        found = database.lookup(self.storage, database.NAME, artifact_type.value, repo_name)
        return [
            i
            for i in self._visible(found, artifact_type)
            if self.record(i).repo_id.rsplit("/", 1)[-1].lower() == repo_name
        ]

    def children(self, artifact_id: str) -> list[tuple[str, Reference]]:
        """(registered model id, reference) pairs of the models naming this artifact as a base model."""
        if artifact_id in self._child_memo:
            return self._child_memo[artifact_id]
        record = self.record(artifact_id)
        targets = {*self.entry(artifact_id).aliases, record.repo_id.rsplit("/", 1)[-1].lower()}
        candidates: list[str] = []
        for target in targets:
            candidates += database.lookup(self.storage, database.REF, RefKind.MODEL.value, target)
        found: list[tuple[str, Reference]] = []
        for child in self._visible(candidates, ArtifactType.MODEL):
            found += [(child, ref) for parent, ref in self.parents(child) if parent == artifact_id]
        self._child_memo[artifact_id] = found
        return found


def ensure_index(storage: Storage) -> None:
    """Build the reverse-index rows of every artifact once for a database that predates them (idempotent)."""
    if storage in _checked:
        return
    with _backfill_lock:
        if storage in _checked:
            return
        if database.index_version(storage) < INDEX_VERSION:
            records = artifact_services.all_records(storage, include_hidden=True)
            # A hook re-indexing an artifact meanwhile may see its entry replaced by this batch's older one:
            # readers recompute an entry whose generation differs, so answers stay right.
            for start in range(0, len(records), BACKFILL_BATCH):
                batch = records[start : start + BACKFILL_BATCH]
                snapshots = artifact_services.snapshots_by_id(storage, [r.id for r in batch])
                database.save_all(storage, {r.id: compute_item(r, snapshots.get(r.id)) for r in batch})
            database.set_index_version(storage, INDEX_VERSION)
            logger.info("lineage index built", extra={"artifacts": len(records)})
        _checked.add(storage)


def mark_indexed(storage: Storage) -> None:
    """Record that the (just emptied) registry's index is complete (after a reset)."""
    database.set_index_version(storage, INDEX_VERSION)
    _checked.add(storage)


def load(storage: Storage) -> StoredCatalog:
    """A catalog of the registry as it is now, read on demand."""
    ensure_index(storage)
    return StoredCatalog(storage)
