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
  AUDITUSER#<user>, AUDITACT#<action>   the log's entries by user and by action (audit_db.py), written with it
  VERSION#<id> / <number:08d>     versions of an artifact (VERSIONREF: BLOBREF#<sha256> / <id>#v<number>)
  HIDDEN / <id>                   registered, not yet published (REGISTRY_ASYNC_RATING: waits for its rating)
  CATALOG, NAME#<name>, SCHEMA    the listing and name indexes (catalog_db.py), written with the artifact
  MIGRATION / <name>              one-time start-up migrations done on this store (maintenance_db.py)
  MIRRORING / <id>                a copy left to do (mirror_db.py, with the mirror progress), written with it
  TRI#..., TRIS#..., TRIALL, TRIINDEX   the trigram index of names and READMEs (search_db.py)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from package.core.storage import Check, ConditionFailed, Delete, Put, Record, Storage
from package.core.storage.interface import Operation
from package.core.write_behind import flush_pending_writes, get_write_behind
from package.routers.artifacts import audit_db, catalog_db, mirror_db, search_db, snapshot_db
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
from package.routers.artifacts.text_index import Query

OWNED_BATCH = 50  # well under DynamoDB's 100 operations per transaction
ARTIFACT = "ARTIFACT"
SOURCE = "SOURCE"
README = "README"
HIDDEN = "HIDDEN"
AUDITLOG = "AUDITLOG"


def source_sk(artifact_type: ArtifactType, source_key: str) -> str:
    if len(source_key) > 400:  # DynamoDB sort keys hold 1,024 bytes; long folder paths are hashed
        source_key = "sha256:" + hashlib.sha256(source_key.encode()).hexdigest()
    return f"{artifact_type.value}|{source_key}"


def source_owner(storage: Storage, artifact_type: ArtifactType, source_key: str) -> str | None:
    """The id of the artifact that already holds this source, if any."""
    item = storage.records.get(SOURCE, source_sk(artifact_type, source_key))
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
        Put(SOURCE, source_sk(record.type, record.source_key), {"id": record.id}, if_absent=True),
        Put(ARTIFACT, record.id, record.model_dump(mode="json"), if_absent=True),
        Put(*snapshot_db.key(record.id), snapshot),
        *catalog_db.index_puts(record, hidden=hidden),
        mirror_db.entry(record.id, record.generation, record.mirror),
    ]
    if readme is not None:
        ops.append(Put(README, record.id, {"text": readme}))
    search_db.store_texts(storage, search_db.Document.of(record), readme, [*ops, *extra], fresh=True)


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
        ops.append(Delete(SOURCE, source_sk(old.type, old.source_key)))
        ops.append(Put(SOURCE, source_sk(new.type, new.source_key), {"id": new.id}, if_absent=True))
    ops.append(Put(ARTIFACT, new.id, new.model_dump(mode="json")))
    ops.append(mirror_db.entry(new.id, new.generation, new.mirror))  # a new source's copy starts over
    ops += catalog_db.index_moves(old, new, hidden=False)  # only published artifacts can be replaced
    ops.append(Put(*snapshot_db.key(new.id), snapshot))
    ops.append(Put(README, new.id, {"text": readme}) if readme is not None else Delete(README, new.id))
    search_db.store_texts(storage, search_db.Document.of(new), readme, [*ops, *extra])
    search_db.prune(storage, new.id, new.name, readme)


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
    hidden = set() if include_hidden else hidden_ids(storage)
    return sorted((r for r in records if r.id not in hidden), key=lambda r: (r.created_at, r.id))


def readmes(storage: Storage) -> dict[str, str]:
    """README text by artifact id."""
    return {r.sk: str(r.item.get("text") or "") for r in storage.records.query(README)}


def regex_candidates(storage: Storage, query: Query) -> set[str] | None:
    """Ids of the artifacts whose name or README may match (None: the index cannot tell, read them all)."""
    return search_db.candidates(storage, query)


def search_documents(storage: Storage, ids: Sequence[str]) -> list[search_db.Document]:
    """The search documents (name, type, registration time) of the published artifacts among these ids."""
    return _published(storage, search_db.documents(storage, ids))


def all_search_documents(storage: Storage, batch: int) -> Iterator[list[search_db.Document]] | None:
    """Every published artifact's search document, a batch at a time; None until the index is complete."""
    if not search_db.is_complete(storage):
        return None
    return (_published(storage, page) for page in search_db.document_pages(storage, batch))


def _published(storage: Storage, documents: list[search_db.Document]) -> list[search_db.Document]:
    hidden = {r.sk for r in storage.records.query_page(HIDDEN, limit=len(documents) + 1)}  # few, or none
    if len(hidden) > len(documents):  # many: look up just these
        hidden = {sk for _, sk in storage.records.get_many([(HIDDEN, d.id) for d in documents])}
    return [d for d in documents if d.id not in hidden]


def readmes_of(storage: Storage, ids: Iterable[str]) -> dict[str, str]:
    """README text by artifact id, for these ids (those without a README are left out)."""
    items = storage.records.get_many([(README, i) for i in ids])
    return {sk: str(item.get("text") or "") for (_, sk), item in items.items()}


def index_texts(storage: Storage) -> int:
    """Post every stored artifact's name and README to the trigram index once (a no-op when complete)."""
    return search_db.ensure_complete(storage, lambda: _texts(storage))


def _texts(storage: Storage, page: int = 200) -> Iterator[search_db.Text]:
    """The texts of every artifact, hidden ones too, a page at a time (READMEs can be large)."""
    after: str | None = None
    while batch := storage.records.query_page(ARTIFACT, after=after, limit=page):
        texts = storage.records.get_many([(README, r.sk) for r in batch])
        for r in batch:
            text = texts.get((README, r.sk))
            readme = None if text is None else str(text.get("text") or "")
            guard = Check(ARTIFACT, r.sk, equals={"generation": r.item.get("generation")})
            yield search_db.Text(search_db.Document.of(ArtifactRecord.model_validate(r.item)), readme, guard)
        after = batch[-1].sk


def mark_text_index(storage: Storage) -> None:
    """Record that the trigram index is complete (after a reset: an empty registry is)."""
    search_db.start_empty(storage)


def readme(storage: Storage, artifact_id: str) -> str | None:
    """One artifact's README."""
    item = storage.records.get(README, artifact_id)
    return None if item is None else item.get("text")


def snapshot(storage: Storage, artifact_id: str) -> dict[str, Any] | None:
    """The upstream metadata captured for an artifact."""
    return storage.records.get(*snapshot_db.key(artifact_id))


def delete(storage: Storage, record: ArtifactRecord) -> list[str]:
    """Remove an artifact and everything it owns; returns the blobs it referenced.

    The artifact itself goes in one small transaction (so it is gone or not, whatever the store's transaction
    limit); its files, audit entries and blob references follow, each delete idempotent.
    """
    flush_pending_writes()  # this process's pending audit entries of the artifact go with it
    files = storage.records.query(f"FILES#{record.id}")
    audit = storage.records.query(f"AUDIT#{record.id}")
    shas = referenced_blobs(storage, record)
    # A duplicate from before canonical claims may carry a key the oldest holds: only an own claim goes.
    owns_claim = source_owner(storage, record.type, record.source_key) == record.id
    claim = [Delete(SOURCE, source_sk(record.type, record.source_key))] if owns_claim else []
    storage.records.transact(
        [
            Check(ARTIFACT, record.id),
            Delete(ARTIFACT, record.id),
            *claim,
            Delete(*snapshot_db.key(record.id)),
            Delete(README, record.id),
            Delete(HIDDEN, record.id),
            mirror_db.removal(record.id),
            Delete(search_db.DOCUMENT, record.id),  # gone with the artifact: a search never answers it
            *catalog_db.index_deletes(record),
        ]
    )
    owned: list[Operation] = [Delete(f.pk, f.sk) for f in files]
    owned += [Delete(a.pk, a.sk) for a in audit]
    owned += [Delete(f"BLOBREF#{sha}", record.id) for sha in shas]
    for start in range(0, len(owned), OWNED_BATCH):
        storage.records.transact(owned[start : start + OWNED_BATCH])
    search_db.unpost(storage, record.id)
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


def add_logged_audit(
    storage: Storage, artifact_id: str, sort_key: str, entry: dict[str, Any], log_entry: dict[str, Any]
) -> None:
    """Append one audit entry to the artifact's trail and to the registry-wide log, atomically."""
    storage.records.transact(logged_audit_operations(artifact_id, sort_key, entry, log_entry))


def logged_audit_operations(
    artifact_id: str, sort_key: str, entry: dict[str, Any], log_entry: dict[str, Any]
) -> list[Operation]:
    """The writes of one audit entry (the artifact's trail and the registry-wide log), to write together."""
    return [Put(f"AUDIT#{artifact_id}", sort_key, entry), *audit_db.log_puts(sort_key, log_entry)]


def add_logged_audit_later(
    storage: Storage, artifact_id: str, sort_key: str, entry: dict[str, Any], log_entry: dict[str, Any]
) -> None:
    """`add_logged_audit` off the request path: written with this process's next batch (core.write_behind).

    If the artifact is gone by then (any process), only the registry-wide log's entry goes in, unless a reset
    came after it (audit_db.unless_reset_after)."""
    log_ops = audit_db.log_puts(sort_key, log_entry)
    log_only = audit_db.unless_reset_after(storage, sort_key, log_ops)
    entry_ops = [Check(ARTIFACT, artifact_id), Put(f"AUDIT#{artifact_id}", sort_key, entry), *log_ops]
    get_write_behind().append(storage, entry_ops, otherwise=log_only)


def add_log_entry(storage: Storage, sort_key: str, log_entry: dict[str, Any]) -> None:
    """Append one entry to the registry-wide audit log only (a deletion's tombstone, a reset)."""
    storage.records.transact(audit_db.log_puts(sort_key, log_entry))


def audit_log(storage: Storage) -> list[dict[str, Any]]:
    """The registry-wide audit log, oldest first (sort keys start with the ISO date)."""
    flush_pending_writes()  # this process's batched entries first, so a reader sees its own downloads
    return [r.item for r in storage.records.query(AUDITLOG)]


def audit_log_page(storage: Storage, *, after: str | None, limit: int) -> list[Record]:
    """Up to `limit` registry-wide audit log entries after a sort key, oldest first."""
    flush_pending_writes()  # this process's batched entries first, so a reader sees its own downloads
    return storage.records.query_page(AUDITLOG, after=after, limit=limit)


def audit(storage: Storage, artifact_id: str) -> list[dict[str, Any]]:
    """An artifact's audit entries, oldest first."""
    flush_pending_writes()
    return [r.item for r in storage.records.query(f"AUDIT#{artifact_id}")]


def hidden_ids(storage: Storage) -> set[str]:
    """Ids of the artifacts registered and not published yet (few: each waits for its rating)."""
    return {r.sk for r in storage.records.query(HIDDEN)}


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
