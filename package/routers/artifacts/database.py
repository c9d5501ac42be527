"""Every storage access of the artifacts domain.

Item layout (partition key / sort key), as a DynamoDB table would hold it:
  ARTIFACT / <id>                 the artifact record
  SOURCE / <type>|<source key>    which artifact holds a source (uniqueness claim)
  SNAPSHOT#<id> / v               upstream metadata captured at ingest (file manifest, card data, stats)
  README / <id>                   README text (one partition, so a regex search reads one partition)
  FILES#<id> / <path>             files copied into the blob store: sha256 and size
  BLOBREF#<sha256> / <id>         which artifacts use a blob (a blob with no reference is deleted)
  AUDIT#<id> / <date>#<rand>      audit entries (the spec's per-artifact view; removed with the artifact)
  AUDITLOG / <date>#<rand>        every audit entry, deletions and resets too (outlives the artifact)
  VERSION#<id> / <number:08d>     versions of an artifact (VERSIONREF: BLOBREF#<sha256> / <id>#v<number>)
  HIDDEN / <id>                   registered, not yet published (REGISTRY_ASYNC_RATING: waits for its rating)
  CATALOG, NAME#<name>, SCHEMA    the listing and name indexes (catalog_db.py), written with the artifact
  MIGRATION / <name>              one-time start-up migrations done on this store (their version)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from package.core.storage import Check, ConditionFailed, Delete, Put, Record, Storage, StoredBlob
from package.core.storage.interface import Operation
from package.core.write_behind import flush_pending_writes, get_write_behind
from package.routers.artifacts import catalog_db
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType, MirrorState

OWNED_BATCH = 50  # well under DynamoDB's 100 operations per transaction
ARTIFACT = "ARTIFACT"
SOURCE = "SOURCE"
README = "README"
HIDDEN = "HIDDEN"
MIGRATION = "MIGRATION"
AUDITLOG = "AUDITLOG"


def _source_sk(artifact_type: ArtifactType, source_key: str) -> str:
    if len(source_key) > 400:  # DynamoDB sort keys hold 1,024 bytes; long folder paths are hashed
        source_key = "sha256:" + hashlib.sha256(source_key.encode()).hexdigest()
    return f"{artifact_type.value}|{source_key}"


def source_owner(storage: Storage, artifact_type: ArtifactType, source_key: str) -> str | None:
    """The id of the artifact that already holds this source, if any."""
    item = storage.records.get(SOURCE, _source_sk(artifact_type, source_key))
    return None if item is None else str(item["id"])


def create(
    storage: Storage,
    record: ArtifactRecord,
    snapshot: dict[str, Any],
    readme: str | None,
    *,
    hidden: bool = False,
    extra: Iterable[Operation] = (),
) -> None:
    """Store a new artifact atomically (`hidden`: unpublished); ConditionFailed when its source is claimed."""
    ops: list[Operation] = [Put(HIDDEN, record.id, {})] if hidden else []
    ops += [
        Put(SOURCE, _source_sk(record.type, record.source_key), {"id": record.id}, if_absent=True),
        Put(ARTIFACT, record.id, record.model_dump(mode="json"), if_absent=True),
        Put(f"SNAPSHOT#{record.id}", "v", snapshot),
        *catalog_db.index_puts(record, hidden=hidden),
    ]
    if readme is not None:
        ops.append(Put(README, record.id, {"text": readme}))
    storage.records.transact([*ops, *extra])


def replace(
    storage: Storage,
    old: ArtifactRecord,
    new: ArtifactRecord,
    snapshot: dict[str, Any],
    readme: str | None,
    *,
    extra: Iterable[Operation] = (),
) -> None:
    """Swap an artifact's source and captured metadata atomically (ConditionFailed on a claimed source)."""
    ops: list[Operation] = [Check(ARTIFACT, old.id, equals={"generation": old.generation})]
    if new.source_key != old.source_key or new.type != old.type:
        ops.append(Delete(SOURCE, _source_sk(old.type, old.source_key)))
        ops.append(Put(SOURCE, _source_sk(new.type, new.source_key), {"id": new.id}, if_absent=True))
    ops.append(Put(ARTIFACT, new.id, new.model_dump(mode="json")))
    ops += catalog_db.index_moves(old, new, hidden=False)  # only published artifacts can be replaced
    ops.append(Put(f"SNAPSHOT#{new.id}", "v", snapshot))
    ops.append(Put(README, new.id, {"text": readme}) if readme is not None else Delete(README, new.id))
    storage.records.transact([*ops, *extra])


def move_claim(storage: Storage, record: ArtifactRecord, key: str, *, take_over: bool) -> None:
    """Make a record claim `key` instead of its stored source key (`take_over`: even if another holds it).

    ConditionFailed when the record changed meanwhile, or when `key` is held and not `take_over`.
    """
    moved = record.model_copy(update={"source_key": key})
    storage.records.transact(
        [
            Check(
                ARTIFACT, record.id, equals={"generation": record.generation, "source_key": record.source_key}
            ),
            Delete(SOURCE, _source_sk(record.type, record.source_key)),
            Put(SOURCE, _source_sk(record.type, key), {"id": record.id}, if_absent=not take_over),
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


def get(storage: Storage, artifact_id: str) -> ArtifactRecord | None:
    """One artifact record."""
    item = storage.records.get(ARTIFACT, artifact_id)
    return None if item is None else ArtifactRecord.model_validate(item)


def get_many(storage: Storage, artifact_ids: Iterable[str]) -> dict[str, ArtifactRecord]:
    """The artifact records of these ids that exist, in one batched read."""
    found = storage.records.get_many([(ARTIFACT, artifact_id) for artifact_id in artifact_ids])
    return {sk: ArtifactRecord.model_validate(item) for (_, sk), item in found.items()}


def list_all(storage: Storage, *, include_hidden: bool = False) -> list[ArtifactRecord]:
    """Every (published, unless `include_hidden`) artifact record, oldest first (ties broken by id)."""
    records = [ArtifactRecord.model_validate(r.item) for r in storage.records.query(ARTIFACT)]
    if not include_hidden:
        hidden = {r.sk for r in storage.records.query(HIDDEN)}
        records = [r for r in records if r.id not in hidden]
    records.sort(key=lambda r: (r.created_at, r.id))
    return records


def readmes(storage: Storage) -> dict[str, str]:
    """README text by artifact id."""
    return {r.sk: str(r.item.get("text") or "") for r in storage.records.query(README)}


def readme(storage: Storage, artifact_id: str) -> str | None:
    """One artifact's README."""
    item = storage.records.get(README, artifact_id)
    return None if item is None else item.get("text")


def snapshot(storage: Storage, artifact_id: str) -> dict[str, Any] | None:
    """The upstream metadata captured for an artifact."""
    return storage.records.get(f"SNAPSHOT#{artifact_id}", "v")


def delete(storage: Storage, record: ArtifactRecord) -> list[str]:
    """Remove an artifact and everything it owns; returns the blobs it referenced.

    The artifact itself goes in one small transaction (so it is gone or not, whatever the store's transaction
    limit); its files, audit entries and blob references follow, each delete idempotent.
    """
    flush_pending_writes()  # this process's pending audit entries of the artifact go with it
    files = storage.records.query(f"FILES#{record.id}")
    audit = storage.records.query(f"AUDIT#{record.id}")
    shas = referenced_blobs(storage, record)
    storage.records.transact(
        [
            Check(ARTIFACT, record.id),
            Delete(ARTIFACT, record.id),
            Delete(SOURCE, _source_sk(record.type, record.source_key)),
            Delete(f"SNAPSHOT#{record.id}", "v"),
            Delete(README, record.id),
            Delete(HIDDEN, record.id),
            *catalog_db.index_deletes(record),
        ]
    )
    owned: list[Operation] = [Delete(f.pk, f.sk) for f in files]
    owned += [Delete(a.pk, a.sk) for a in audit]
    owned += [Delete(f"BLOBREF#{sha}", record.id) for sha in shas]
    for start in range(0, len(owned), OWNED_BATCH):
        storage.records.transact(owned[start : start + OWNED_BATCH])
    return shas


def referenced_blobs(storage: Storage, record: ArtifactRecord) -> list[str]:
    """Every blob an artifact uses: its mirrored files and its bundle."""
    shas = {str(f.item["sha256"]) for f in storage.records.query(f"FILES#{record.id}")}
    if record.mirror.bundle_sha256:
        shas.add(record.mirror.bundle_sha256)
    return sorted(shas)


def forget_files(storage: Storage, artifact_id: str, shas: Iterable[str]) -> None:
    """Drop an artifact's mirrored-file entries and blob references (after its source changed)."""
    ops: list[Operation] = [Delete(f.pk, f.sk) for f in storage.records.query(f"FILES#{artifact_id}")]
    ops += [Delete(f"BLOBREF#{sha}", artifact_id) for sha in shas]
    if ops:
        storage.records.transact(ops)


def blob_in_use(storage: Storage, sha256: str) -> bool:
    """Whether any artifact still references a blob."""
    return bool(storage.records.query(f"BLOBREF#{sha256}"))


def stored_blobs(storage: Storage) -> Iterator[StoredBlob]:
    """Every blob in the blob store, referenced or not (for the orphan sweep)."""
    return storage.blobs.listing()


def delete_blob(storage: Storage, sha256: str) -> None:
    """Remove one blob from the blob store."""
    storage.blobs.delete(sha256)


def mirrored_files(storage: Storage, artifact_id: str) -> dict[str, dict[str, Any]]:
    """Files of an artifact already in the blob store, by path."""
    return {r.sk: r.item for r in storage.records.query(f"FILES#{artifact_id}")}


def add_mirrored_file(
    storage: Storage, artifact_id: str, generation: str, path: str, sha256: str, size: int
) -> None:
    """Record that a file is in the blob store; ConditionFailed if the artifact is gone or changed source."""
    storage.records.transact(
        [
            Check(ARTIFACT, artifact_id, equals={"generation": generation}),
            Put(f"FILES#{artifact_id}", path, {"sha256": sha256, "size": size}),
            Put(f"BLOBREF#{sha256}", artifact_id, {}),
        ]
    )


def save_mirror_state(storage: Storage, artifact_id: str, generation: str, state: MirrorState) -> None:
    """Store an artifact's mirror progress; ConditionFailed if the artifact is gone or changed source."""
    record = get(storage, artifact_id)
    if record is None or record.generation != generation:
        raise ConditionFailed(f"artifact {artifact_id} is gone or has a new source")
    updated = record.model_copy(update={"mirror": state})
    ops: list[Operation] = [
        Check(ARTIFACT, artifact_id, equals={"generation": generation}),
        Put(ARTIFACT, artifact_id, updated.model_dump(mode="json")),
    ]
    if state.bundle_sha256:
        ops.append(Put(f"BLOBREF#{state.bundle_sha256}", artifact_id, {}))
    storage.records.transact(ops)


def add_logged_audit(
    storage: Storage, artifact_id: str, sort_key: str, entry: dict[str, Any], log_entry: dict[str, Any]
) -> None:
    """Append one audit entry to the artifact's trail and to the registry-wide log, atomically."""
    storage.records.transact(logged_audit_operations(artifact_id, sort_key, entry, log_entry))


def logged_audit_operations(
    artifact_id: str, sort_key: str, entry: dict[str, Any], log_entry: dict[str, Any]
) -> list[Operation]:
    """The writes of one audit entry (the artifact's trail and the registry-wide log), to write together."""
    return [Put(f"AUDIT#{artifact_id}", sort_key, entry), Put(AUDITLOG, sort_key, log_entry)]


def add_logged_audit_later(
    storage: Storage, artifact_id: str, sort_key: str, entry: dict[str, Any], log_entry: dict[str, Any]
) -> None:
    """`add_logged_audit` off the request path: written with this process's next batch (core.write_behind)."""
    get_write_behind().append(storage, logged_audit_operations(artifact_id, sort_key, entry, log_entry))


def add_log_entry(storage: Storage, sort_key: str, log_entry: dict[str, Any]) -> None:
    """Append one entry to the registry-wide audit log only (a deletion's tombstone, a reset)."""
    storage.records.put(AUDITLOG, sort_key, log_entry)


def audit_log(storage: Storage) -> list[dict[str, Any]]:
    """The registry-wide audit log, oldest first (sort keys start with the ISO date)."""
    flush_pending_writes()  # this process's batched entries first, so a reader sees its own downloads
    return [r.item for r in storage.records.query(AUDITLOG)]


def audit_log_page(storage: Storage, *, after: str | None, limit: int) -> list[Record]:
    """Up to `limit` registry-wide audit log entries after a sort key, oldest first."""
    return storage.records.query_page(AUDITLOG, after=after, limit=limit)


def audit(storage: Storage, artifact_id: str) -> list[dict[str, Any]]:
    """An artifact's audit entries, oldest first."""
    flush_pending_writes()
    return [r.item for r in storage.records.query(f"AUDIT#{artifact_id}")]


def is_hidden(storage: Storage, artifact_id: str) -> bool:
    """Whether an artifact is registered but not published yet."""
    return storage.records.get(HIDDEN, artifact_id) is not None


def unhide(storage: Storage, artifact_id: str) -> bool:
    """Publish a hidden artifact; False when it is gone or was not hidden."""
    record = get(storage, artifact_id)
    if record is None:
        return False
    try:
        storage.records.transact(
            [
                Check(ARTIFACT, artifact_id, equals={"generation": record.generation, "name": record.name}),
                Check(HIDDEN, artifact_id),
                Delete(HIDDEN, artifact_id),
                *catalog_db.index_puts(record, hidden=False),
            ]
        )
    except ConditionFailed:
        return False
    return True


def _version_sk(number: int) -> str:
    return f"{number:08d}"


def put_version(artifact_id: str, number: int, item: dict[str, Any], *, new: bool) -> Operation:
    """One version entry's write (`new`: refused if the number is taken), for create/replace's `extra`."""
    return Put(f"VERSION#{artifact_id}", _version_sk(number), item, if_absent=new)


def keep_version_blob(artifact_id: str, number: int, sha256: str) -> Operation:
    """A blob reference that keeps an earlier version's bundle while the artifact moves on."""
    return Put(f"BLOBREF#{sha256}", f"{artifact_id}#v{number}", {})


def versions(storage: Storage, artifact_id: str) -> list[dict[str, Any]]:
    """An artifact's version entries, oldest first."""
    return [r.item for r in storage.records.query(f"VERSION#{artifact_id}")]


def release_version_blob(storage: Storage, artifact_id: str, number: int, item: dict[str, Any]) -> None:
    """Drop an earlier version's blob reference and mark its bundle as no longer kept, atomically."""
    ops: list[Operation] = [Put(f"VERSION#{artifact_id}", _version_sk(number), item)]
    if item.get("bundle_sha256"):
        ops.append(Delete(f"BLOBREF#{item['bundle_sha256']}", f"{artifact_id}#v{number}"))
    storage.records.transact(ops)


def delete_versions(storage: Storage, artifact_id: str) -> list[str]:
    """Remove an artifact's version entries and their blob references; returns the blobs they kept."""
    entries = storage.records.query(f"VERSION#{artifact_id}")
    shas = sorted({str(e.item["bundle_sha256"]) for e in entries if e.item.get("bundle_sha256")})
    ops: list[Operation] = [Delete(e.pk, e.sk) for e in entries]
    ops += [
        Delete(f"BLOBREF#{e.item['bundle_sha256']}", f"{artifact_id}#v{int(e.sk)}")
        for e in entries
        if e.item.get("bundle_sha256")
    ]
    for start in range(0, len(ops), OWNED_BATCH):
        storage.records.transact(ops[start : start + OWNED_BATCH])
    return shas
