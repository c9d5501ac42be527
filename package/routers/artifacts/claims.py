"""One-time start-up migration: records stored before canonical source claims get their canonical claim.

Before the change, an artifact claimed the key of the URL as given (`hf_model:bert-base-uncased@`), so a
legacy id and its canonical id (`google-bert/bert-base-uncased`) could be registered twice. The migration
recomputes every record's claim from what is already stored (its URL and the upstream's reported id in its
snapshot; no network), then, per canonical key, the oldest artifact holds the claim. Younger duplicates are
kept (deleting someone's artifact at start-up is not a migration's call) under a claim of their own, and are
logged by id so an admin can remove them. A version record makes the work run once; running it again, or in
two containers at once, gives the same result.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from package.core.errors import RegistryError
from package.core.storage import ConditionFailed, Storage
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import parse_source_url
from package.routers.artifacts import database, identity, maintenance_db
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
from package.routers.artifacts.mirror import now_iso

logger = logging.getLogger("registry.artifacts.claims")
MIGRATION = "canonical-claims"
VERSION = 1
MOVE_ATTEMPTS = 5  # a record whose mirror is writing progress changes generation between reads


@dataclass(frozen=True)
class ClaimsMigration:
    """What the migration did: claims moved to their canonical key, and duplicates found."""

    moved: list[str]
    duplicates: dict[str, list[str]]  # kept artifact id -> younger ids of the same source


def canonical_key(storage: Storage, record: ArtifactRecord) -> str:
    """The claim a record would get if registered today, from its stored URL and snapshot."""
    try:
        source = parse_source_url(record.url)
    except RegistryError:  # a URL today's parser refuses keeps the key it was stored with
        return record.source_key
    raw = database.snapshot(storage, record.id)
    if raw is None:
        return source.key
    try:
        snapshot = Snapshot.from_item(raw)
    except (KeyError, TypeError, ValueError):
        return source.key
    return identity.canonical(source, snapshot).key


def migrate_claims(storage: Storage) -> ClaimsMigration | None:
    """Move old records to canonical claims, once per store (None when already done)."""
    if maintenance_db.migration_version(storage, MIGRATION) >= VERSION:
        return None
    groups: dict[tuple[ArtifactType, str], list[ArtifactRecord]] = defaultdict(list)
    for record in database.list_all(storage, include_hidden=True):  # oldest first
        groups[(record.type, canonical_key(storage, record))].append(record)
    moved: list[str] = []
    duplicates: dict[str, list[str]] = {}
    for (artifact_type, key), records in groups.items():
        oldest, *younger = records
        for duplicate in younger:
            if duplicate.source_key == key:  # it holds the canonical claim now: give it a claim of its own
                _move(storage, duplicate, f"{key}#duplicate-of:{oldest.id}", take_over=False)
        if oldest.source_key != key:
            _move(storage, oldest, key, take_over=True)
            moved.append(oldest.id)
        if younger:
            duplicates[oldest.id] = [r.id for r in younger]
            logger.warning(
                "duplicate artifacts of one source: the oldest keeps the claim",
                extra={
                    "type": artifact_type.value,
                    "source": key,
                    "kept": oldest.id,
                    "duplicates": duplicates[oldest.id],
                },
            )
    maintenance_db.set_migration_version(storage, MIGRATION, VERSION, now_iso())
    result = ClaimsMigration(moved=moved, duplicates=duplicates)
    if moved or duplicates:
        logger.info("source claims migrated", extra={"moved": len(moved), "duplicates": len(duplicates)})
    return result


def _move(storage: Storage, record: ArtifactRecord, key: str, *, take_over: bool) -> None:
    """Move one record's claim; a record only touched meanwhile (its mirror's progress) is read again."""
    current: ArtifactRecord | None = record
    for _ in range(MOVE_ATTEMPTS):
        if current is None or current.source_key != record.source_key:
            break  # deleted, or re-claimed through today's code meanwhile: nothing left to move
        try:
            maintenance_db.move_claim(storage, current, key, take_over=take_over)
            return
        except ConditionFailed:
            current = database.get(storage, record.id)
    logger.info("claim not moved: artifact changed meanwhile", extra={"artifact_id": record.id})
