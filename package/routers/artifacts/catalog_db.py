"""The artifacts domain's storage indexes: an ordered catalog and a name index, kept beside every artifact.

Item layout (partition key / sort key), written in the same transaction as the artifact record itself:
  CATALOG / <created_at>#<id>          every artifact in registration order: {id, name, type, license,
                                       created_at, hidden}, what listings and their filters need
  CATALOG#<type> / <created_at>#<id>   the same entry in a catalog of one type (for `types` filters)
  NAME#<name> / <created_at>#<id>      the same entry under the artifact's exact name (long names: sha256)
  CATLIC#<type>#<license> / <created_at>#<id>   the same entry under its type and lower-cased license (the
                                       `license` filter matches case-insensitively; none: no entry)
  SCHEMA / artifacts-catalog           {"version": N}: the indexes are complete (written after a backfill)

Listings page through CATALOG by sort key (keyset), byName reads one NAME# partition, and neither reads an
artifact record. A `license` filter reads only that license's partitions (one per type, merged in catalog
order), so a rare license pages without near-empty pages; with `types` it reads just those types' partitions.
A database from before the indexes gets them once, on the first start that finds no SCHEMA record (or one
of an older version); every backfill write is conditional on the artifact being unchanged, so two processes
backfilling at once, or a backfill racing an update, never leave a stale entry.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from package.core.index_mark import IndexMark, file_partition
from package.core.storage import Check, ConditionFailed, Delete, Put, Record, Storage, key_pages
from package.core.storage.interface import Operation
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType

CATALOG = "CATALOG"
SCHEMA = "SCHEMA"
SCHEMA_SK = "artifacts-catalog"
LICENSE = "CATLIC"
SCHEMA_VERSION = 2  # 2: the license index (a store at version 1 backfills it once)
BACKFILL_READ = 500
BACKFILL_BATCH = 12  # six operations per artifact: 72 per transaction, under DynamoDB's 100
_MAX_NAME_KEY_BYTES = 400  # DynamoDB partition keys hold 2,048 bytes; long names are hashed
INDEX = IndexMark(SCHEMA, SCHEMA_SK, SCHEMA_VERSION)


def sort_key(record: ArtifactRecord) -> str:
    """An artifact's place in the catalog: registration time, then id (so ties have one order)."""
    return f"{record.created_at}#{record.id}"


def name_partition(name: str) -> str:
    """The name index partition of an exact name."""
    return "NAME#" + _key_part(name)


def _key_part(text: str) -> str:
    if len(text.encode()) > _MAX_NAME_KEY_BYTES:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def normalised_license(license_id: str) -> str:
    """A license as the `license` filter compares it (case-insensitively: lower-cased)."""
    return license_id.lower()


def license_partition(artifact_type: ArtifactType, license_id: str) -> str:
    """The license index partition of one type and one license (any case)."""
    return f"{LICENSE}#{artifact_type.value}#" + _key_part(normalised_license(license_id))


def entry(record: ArtifactRecord, *, hidden: bool) -> dict[str, Any]:
    """The compact metadata both indexes hold for an artifact."""
    return {
        "id": record.id,
        "name": record.name,
        "type": record.type.value,
        "license": record.license,
        "created_at": record.created_at,
        "hidden": hidden,
    }


def index_puts(record: ArtifactRecord, *, hidden: bool) -> list[Operation]:
    """Writes that file an artifact in both indexes."""
    item, key = entry(record, hidden=hidden), sort_key(record)
    return [Put(pk, key, item) for pk in _partitions(record)]


def index_deletes(record: ArtifactRecord) -> list[Operation]:
    """Deletes that take an artifact out of both indexes."""
    return [Delete(pk, sort_key(record)) for pk in _partitions(record)]


def _partitions(record: ArtifactRecord) -> list[str]:
    partitions = [CATALOG, type_catalog(record.type), name_partition(record.name)]
    if record.license:  # no license: no query's license (at least one character) can match it
        partitions.append(license_partition(record.type, record.license))
    return partitions


def type_catalog(artifact_type: ArtifactType) -> str:
    """The catalog partition of one artifact type."""
    return f"{CATALOG}#{artifact_type.value}"


def index_moves(old: ArtifactRecord, new: ArtifactRecord, *, hidden: bool) -> list[Operation]:
    """Writes that refile an artifact whose name, license or registration time may have changed."""
    stale = [op for op in index_deletes(old) if (op.pk, op.sk) not in _keys(index_puts(new, hidden=hidden))]
    return [*stale, *index_puts(new, hidden=hidden)]


def _keys(operations: Sequence[Operation]) -> set[tuple[str, str]]:
    return {(op.pk, op.sk) for op in operations}


def merged_pages(
    storage: Storage, partitions: Sequence[str], *, after: str | None, batch: int
) -> Iterator[tuple[list[Record], bool]]:
    """Entries of disjoint index partitions merged in catalog order, a batch at a time, with whether the
    batch is the last; each partition is read `batch` entries at a time and nothing is read twice."""
    readers = {pk: _Reader(pk, after) for pk in partitions}
    while True:
        for reader in readers.values():
            reader.fill(storage, batch)
        open_readers = [r for r in readers.values() if not r.done]
        # Entries up to the smallest last-read key of a partition with more to read are in their final order.
        frontier = min((r.buffer[-1].sk for r in open_readers), default=None)
        ready = sorted((e for r in readers.values() for e in r.take(frontier)), key=lambda entry: entry.sk)
        last = not open_readers and all(not r.buffer for r in readers.values())
        yield ready, last
        if last:
            return


class _Reader:
    """One partition read forward in pages, with the entries read but not yet merged."""

    def __init__(self, partition: str, after: str | None) -> None:
        self.partition, self.after, self.done = partition, after, False
        self.buffer: list[Record] = []

    def fill(self, storage: Storage, batch: int) -> None:
        if self.done or self.buffer:
            return
        page = storage.records.query_page(self.partition, after=self.after, limit=batch)
        self.buffer, self.done = page, len(page) < batch
        if page:
            self.after = page[-1].sk

    def take(self, frontier: str | None) -> list[Record]:
        cut = (
            len(self.buffer)
            if frontier is None
            else bisect.bisect_right([e.sk for e in self.buffer], frontier)
        )
        taken, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return taken


def named_page(storage: Storage, name: str, *, after: str | None, limit: int) -> list[Record]:
    """Up to `limit` entries of the artifacts with exactly this name, after a sort key."""
    return [
        r
        for r in storage.records.query_page(name_partition(name), after=after, limit=limit)
        if r.item.get("name") == name  # a hashed partition could, in theory, hold another name
    ]


def mark_current(storage: Storage) -> None:
    """Record that the indexes are complete (after a backfill, or a reset that left nothing to index)."""
    INDEX.mark(storage)


def ids_of_type(storage: Storage, artifact_type: ArtifactType) -> list[str]:
    """Every artifact id of one type, hidden ones too, in registration order: read from the type's catalog
    (sort keys only, not the artifact records), backfilled first if the store predates it."""
    ensure_indexes(storage)
    pages = key_pages(storage.records, type_catalog(artifact_type), limit=BACKFILL_READ)
    return [sk.rpartition("#")[2] for page in pages for sk in page]  # the sort key is <created_at>#<id>


def artifact_count(storage: Storage) -> int:
    """How many artifacts are stored, hidden ones too: the catalog's small entries counted, page by page (the
    artifact records themselves, unvalidated, while the catalog is incomplete)."""
    partition = CATALOG if INDEX.is_current(storage) else "ARTIFACT"
    return sum(len(page) for page in key_pages(storage.records, partition, limit=BACKFILL_READ))


def ensure_indexes(storage: Storage) -> int:
    """Backfill the indexes of a database from before them, once; returns how many artifacts were filed."""
    return INDEX.ensure(storage, _backfill)


def _backfill(storage: Storage, _stored_version: int) -> int:
    hidden = {r.sk for r in storage.records.query("HIDDEN")}

    def file(batch: list[Record]) -> int:
        return _file(storage, [ArtifactRecord.model_validate(r.item) for r in batch], hidden)

    return file_partition(storage, "ARTIFACT", file, read=BACKFILL_READ, batch=BACKFILL_BATCH)


def _backfill_ops(record: ArtifactRecord, hidden: bool) -> list[Operation]:
    # Only if the artifact is still the one read, in the same published state: else its own write filed it.
    return [
        Check("ARTIFACT", record.id, equals={"generation": record.generation, "name": record.name}),
        Check("HIDDEN", record.id, exists=hidden),
        *index_puts(record, hidden=hidden),
    ]


def _file(storage: Storage, records: list[ArtifactRecord], hidden: set[str]) -> int:
    try:
        storage.records.transact([op for r in records for op in _backfill_ops(r, r.id in hidden)])
        return len(records)
    except ConditionFailed:
        pass  # one of them changed meanwhile: file them one by one, re-reading each
    filed = 0
    for record in records:
        current = storage.records.get("ARTIFACT", record.id)
        if current is None:
            continue  # deleted meanwhile, with its entries
        fresh = ArtifactRecord.model_validate(current)
        try:
            storage.records.transact(
                _backfill_ops(fresh, storage.records.get("HIDDEN", fresh.id) is not None)
            )
            filed += 1
        except ConditionFailed:
            continue  # changed again: the change wrote its own entries
    return filed
