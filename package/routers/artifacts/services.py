"""The artifacts domain's public face: register, read, change, find, download and audit artifacts."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from package.core.auth_middleware import Principal
from package.core.config import MirrorPolicy, Settings, get_settings
from package.core.errors import BadRequest, Conflict
from package.core.events import (
    ArtifactChange,
    ArtifactEvent,
    emit_artifact_event,
    run_ingest_gates,
    run_reset_hooks,
)
from package.core.storage import ConditionFailed, Storage, get_storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import SourceRef, parse_source_url
from package.core.write_behind import flush_pending_writes
from package.routers.artifacts import (
    audit,
    catalog_db,
    database,
    identity,
    migrations,
    mirror,
    mirror_db,
    sweep,
    versions,
)
from package.routers.artifacts.catalog_db import ids_of_type as ids_of_type  # the rating's resume reads it
from package.routers.artifacts.config import get_artifacts_settings
from package.routers.artifacts.download_service import download_record as download_record
from package.routers.artifacts.download_service import download_stored as download_stored
from package.routers.artifacts.downloads import BlobPlan as BlobPlan  # re-exported: other domains serve plans
from package.routers.artifacts.downloads import DownloadPlan as DownloadPlan
from package.routers.artifacts.downloads import RedirectPlan as RedirectPlan
from package.routers.artifacts.downloads import StreamPlan as StreamPlan
from package.routers.artifacts.downloads import presigned_url as presigned_url
from package.routers.artifacts.errors import ArtifactNotFound, DuplicateArtifact
from package.routers.artifacts.ids import check_artifact_id as check_artifact_id
from package.routers.artifacts.ids import new_artifact_id as new_artifact_id
from package.routers.artifacts.interface import (
    Artifact,
    ArtifactAuditEntry,
    ArtifactCreate,
    ArtifactDetails,
    ArtifactOverview,
    ArtifactRecord,
    ArtifactSnapshot,
    ArtifactType,
    ArtifactUpdate,
    AuditAction,
    MirrorStatus,
)
from package.routers.artifacts.mirror import get_mirror_queue, initial_state, now_iso, release_blobs
from package.routers.artifacts.overview import download_url as download_url
from package.routers.artifacts.overview import envelope as envelope
from package.routers.artifacts.overview import overview_of as overview_of
from package.routers.artifacts.ownership import require_owner
from package.routers.artifacts.queries import add_score_source as add_score_source
from package.routers.artifacts.queries import by_name as by_name
from package.routers.artifacts.queries import by_regex as by_regex
from package.routers.artifacts.queries import list_artifacts as list_artifacts
from package.routers.artifacts.snapshot_db import snapshots_by_id as snapshots_by_id
from package.routers.artifacts.versions import add_version_score_source as add_version_score_source
from package.routers.artifacts.versions import earlier_version as earlier_version
from package.routers.artifacts.versions import generation_check as generation_check
from package.routers.artifacts.versions import history as history
from package.routers.artifacts.versions import retained_versions as retained_versions
from package.routers.artifacts.versions import scored_history as scored_history
from package.routers.artifacts.versions import version_of as version_of

logger = logging.getLogger("registry.artifacts")
record_audit = audit.record  # other domains append entries (RATE and the like)
hidden_ids = database.hidden_ids  # the 202 path's unpublished artifacts (rating resumes them at start-up)
audit_log = audit.entries  # one page of the registry-wide log (deletions and resets included)


def load(storage: Storage, artifact_type: ArtifactType, artifact_id: str) -> ArtifactRecord:
    """The artifact of this type and id, or NotFound."""
    record = database.get(storage, check_artifact_id(artifact_id))
    if record is None or record.type is not artifact_type or database.is_hidden(storage, record.id):
        raise ArtifactNotFound(f"No {artifact_type.value} artifact has id {artifact_id}.")
    return record


def register(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    artifact_type: ArtifactType,
    body: ArtifactCreate,
    principal: Principal,
    base_url: str,
) -> Artifact:
    """Capture an upstream source's metadata and store it as a new artifact (409 for a known source)."""
    source = parse_source_url(body.url)
    identity.check_type(artifact_type, source, body.url)
    identity.refuse_duplicate(storage, artifact_type, source.key, body.url)
    snapshot = upstreams.adapter(source.kind).snapshot(source)
    claimed = identity.canonical(source, snapshot)  # legacy / renamed ids claim the repository's own key
    identity.refuse_duplicate(storage, artifact_type, claimed.key, body.url)
    now = now_iso()
    record = ArtifactRecord(
        id=new_artifact_id(),
        name=body.name or source.default_name(),
        type=artifact_type,
        created_at=now,
        created_by=principal.name,
        **(_source_fields(settings, body.url, source, snapshot, now) | {"source_key": claimed.key}),
    )
    hidden = settings.async_rating and artifact_type is ArtifactType.MODEL  # unpublished until rated
    try:
        database.create(
            storage,
            record,
            _snapshot_item(snapshot),
            snapshot.readme,
            hidden=hidden,
            extra=versions.first(record),
        )
    except ConditionFailed as exc:
        identity.refuse_duplicate(
            storage, artifact_type, claimed.key, body.url
        )  # names the winner of the race
        raise DuplicateArtifact(f"A {artifact_type.value} artifact from {body.url} exists already.") from exc
    try:
        run_ingest_gates(record.id, written := _written(record, snapshot, hidden=hidden))
    except Exception:
        _remove(storage, record)
        raise
    record_audit(storage, record=record, principal=principal, action=AuditAction.CREATE)
    emit_artifact_event(ArtifactEvent.CREATED, record.id, written)
    logger.info(
        "artifact registered",
        extra={
            "artifact_id": record.id,
            "source": source.key,
            "files": len(snapshot.files),
            "bytes": snapshot.total_bytes,
            "mirror": record.mirror.status.value,
        },
    )
    _schedule_mirror(settings, record)
    return envelope(record, base_url)


def update(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    artifact_type: ArtifactType,
    artifact_id: str,
    body: ArtifactUpdate,
    principal: Principal,
    base_url: str,
) -> Artifact:
    """Re-ingest an artifact from the body's URL; the name and id must match the stored ones."""
    old = load(storage, artifact_type, artifact_id)
    require_owner(old, principal, action="change")
    meta = body.metadata
    if meta.id != old.id or meta.name != old.name or meta.type is not artifact_type:
        raise BadRequest("The body's metadata must match the artifact: same id, name and type as the path.")
    source = parse_source_url(body.data.url)
    identity.check_type(artifact_type, source, body.data.url)
    identity.refuse_duplicate(storage, artifact_type, source.key, body.data.url, allowed=old.id)
    snapshot = upstreams.adapter(source.kind).snapshot(source)
    claimed = identity.canonical(source, snapshot)
    identity.refuse_duplicate(storage, artifact_type, claimed.key, body.data.url, allowed=old.id)
    fields = _source_fields(settings, body.data.url, source, snapshot, now_iso()) | {
        "source_key": claimed.key
    }
    new = old.model_copy(update=fields)
    old_blobs = database.referenced_blobs(storage, old)
    try:
        next_version = versions.following(storage, old, new, principal, new.updated_at or now_iso())
        database.replace(storage, old, new, _snapshot_item(snapshot), snapshot.readme, extra=next_version)
    except ConditionFailed as exc:
        raise Conflict(f"Artifact {old.id} changed meanwhile or its new source is taken; try again.") from exc
    database.forget_files(storage, old.id, old_blobs)
    release_blobs(storage, old_blobs)  # the outgoing version's bundle stays: its version references it
    versions.apply_retention(storage, new, get_artifacts_settings().versions_kept)
    record_audit(storage, record=new, principal=principal, action=AuditAction.UPDATE)
    emit_artifact_event(ArtifactEvent.UPDATED, new.id, _written(new, snapshot, hidden=False))
    _schedule_mirror(settings, new)
    return envelope(new, base_url)


def _source_fields(
    settings: Settings, url: str, source: SourceRef, snapshot: Snapshot, now: str
) -> dict[str, Any]:
    """The record fields that follow from the source: set at registration, replaced by an update."""
    return {
        "url": url,
        "source_key": source.key,
        "source_kind": source.kind,
        "repo_id": source.repo_id,
        "revision": snapshot.revision,
        "license": snapshot.license,
        "updated_at": now,
        "reference_only": snapshot.reference_only,
        "gated": snapshot.gated,
        "generation": secrets.token_hex(8),  # stale background writes of the old source check it
        "mirror": initial_state(settings, snapshot=snapshot),
    }


def delete(
    storage: Storage, *, artifact_type: ArtifactType, artifact_id: str, principal: Principal | None = None
) -> None:
    """Remove an artifact (owner or admin only), its records and unshared blobs; its audit log stays."""
    record = load(storage, artifact_type, artifact_id)
    if principal is not None:
        require_owner(record, principal, action="delete")
    try:
        _remove(storage, record)
    except ConditionFailed as exc:
        raise ArtifactNotFound(f"No {artifact_type.value} artifact has id {artifact_id}.") from exc
    audit.tombstone(storage, record=record, principal=principal)
    logger.info(
        "artifact deleted", extra={"artifact_id": artifact_id, "by": getattr(principal, "name", None)}
    )


def _remove(storage: Storage, record: ArtifactRecord) -> None:
    shas = database.delete(storage, record)
    release_blobs(storage, [*shas, *database.delete_versions(storage, record.id)])
    emit_artifact_event(ArtifactEvent.DELETED, record.id)


def audit_trail(
    storage: Storage, *, artifact_type: ArtifactType, artifact_id: str
) -> list[ArtifactAuditEntry]:
    """An artifact's audit entries, oldest first."""
    return audit_entries(storage, load(storage, artifact_type, artifact_id))


def audit_entries(storage: Storage, record: ArtifactRecord) -> list[ArtifactAuditEntry]:
    """The audit entries of an artifact already loaded (e.g. by `CurrentArtifact`), oldest first."""
    return [ArtifactAuditEntry.model_validate(e) for e in database.audit(storage, record.id)]


def details(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactDetails:
    """Everything captured for an artifact (its record, upstream snapshot and README), for other domains."""
    record = database.get(storage, check_artifact_id(artifact_id))
    raw = database.snapshot(storage, artifact_id) if record else None
    hidden = record is not None and database.is_hidden(storage, artifact_id)
    if record is None or raw is None or (hidden and not include_hidden):
        raise ArtifactNotFound(f"No artifact has id {artifact_id}.")
    readme = database.readme(storage, artifact_id)
    snapshot = ArtifactSnapshot.model_validate(raw)
    return ArtifactDetails(record=record, snapshot=snapshot, readme=readme, hidden=hidden)


def overview(
    storage: Storage, *, artifact_type: ArtifactType, artifact_id: str, base_url: str
) -> ArtifactOverview:
    """The artifact's record and the headline facts of its snapshot, for people and dashboards."""
    return overview_of(storage, load(storage, artifact_type, artifact_id), base_url=base_url)


def all_records(storage: Storage, *, include_hidden: bool = False) -> list[ArtifactRecord]:
    """Every published (or, with `include_hidden`, every) artifact record, oldest first."""
    return database.list_all(storage, include_hidden=include_hidden)


def find_record(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactRecord | None:
    """The artifact record with this id whatever its type, or None (nothing else is read: no snapshot)."""
    record = database.get(storage, check_artifact_id(artifact_id))
    if record is None or (not include_hidden and database.is_hidden(storage, artifact_id)):
        return None
    return record


def records_by_id(storage: Storage, artifact_ids: Sequence[str]) -> dict[str, ArtifactRecord]:
    """The stored records of these artifacts (hidden ones too), by id, in one batched read."""
    return database.get_many(storage, artifact_ids)


def publish(storage: Storage, artifact_id: str) -> bool:
    """Make a hidden artifact visible (its rating is done); False when it is gone or was visible."""
    return database.unhide(storage, artifact_id)


def discard(storage: Storage, artifact_id: str) -> None:
    """Silently drop a hidden artifact (its rating failed or was too low), as the spec's 202 path says."""
    record = database.get(storage, artifact_id)
    if record is not None and database.is_hidden(storage, artifact_id):
        with contextlib.suppress(ConditionFailed):
            _remove(storage, record)
            audit.tombstone(storage, record=record, principal=None)


def download(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    artifact_type: ArtifactType,
    artifact_id: str,
    path: str | None,
    principal: Principal,
) -> DownloadPlan:
    """How to serve the artifact's bundle (or one file of it); records a DOWNLOAD audit entry."""
    record = load(storage, artifact_type, artifact_id)
    return download_record(storage, upstreams, settings, record=record, path=path, principal=principal)


def reset(storage: Storage, *, principal: Principal | None = None) -> None:
    """Remove every artifact, record and blob (logged first: who, how many), then restore each domain."""
    removed = catalog_db.artifact_count(storage)
    logger.info("registry reset", extra={"user": principal.name if principal else None, "artifacts": removed})
    get_mirror_queue().stop_all()  # none writes into (or races) the clearing store
    flush_pending_writes()  # bookkeeping from before the reset must not land in the emptied registry
    storage.records.clear()
    catalog_db.mark_current(storage)  # the empty registry's indexes are complete: no backfill to run
    mirror_db.mark_current(storage)
    storage.blobs.clear()
    database.mark_text_index(storage)  # an empty registry's search index is complete
    run_reset_hooks(storage)
    audit.log_reset(storage, principal=principal, removed=removed)


def resume_mirrors(storage: Storage, settings: Settings) -> int:
    """Queue the artifacts whose mirroring was interrupted (e.g. by a restart); returns how many."""
    if settings.mirror is not MirrorPolicy.EAGER:
        return 0  # only an eager policy copies in the background: nothing to look for
    return sum(_schedule_mirror(settings, record) for record in mirror.to_resume(storage))


def _schedule_mirror(settings: Settings, record: ArtifactRecord) -> int:
    if settings.mirror is MirrorPolicy.EAGER and record.mirror.status in {
        MirrorStatus.PENDING,
        MirrorStatus.MIRRORING,
        MirrorStatus.FAILED,
    }:
        get_mirror_queue().submit(record.id, record.generation)
        return 1
    return 0


def _written(record: ArtifactRecord, snapshot: Snapshot, *, hidden: bool) -> ArtifactDetails:
    """The details just stored, as `details()` would read them back (carried by the artifact event)."""
    typed = ArtifactSnapshot.model_validate(_snapshot_item(snapshot))
    return ArtifactDetails(record=record, snapshot=typed, readme=snapshot.readme, hidden=hidden)


def changed_details(change: ArtifactChange) -> ArtifactDetails | None:
    """The details an artifact event carries (None for a deletion, or an event from elsewhere)."""
    return change.subject if isinstance(change.subject, ArtifactDetails) else None


def _snapshot_item(snapshot: Snapshot) -> dict[str, object]:
    item = snapshot.to_item()
    item.pop("readme", None)  # kept once, in the README record
    return item


def resume_background() -> None:
    """One-time migrations, mirrors a previous process left unfinished, and a sweep of orphan blobs.

    Run by the process holding the resume duty (each process also checks the listing indexes on first query).
    """
    migrations.run(get_storage())
    resumed = resume_mirrors(get_storage(), get_settings())
    if resumed:
        logger.info("resumed interrupted mirrors", extra={"count": resumed})
    sweep.sweep_in_background(get_storage())
