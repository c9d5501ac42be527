"""Versions of an artifact: the registration is version 1, every successful `PUT` the next one.

The current version is the artifact record the spec's endpoints serve. When a `PUT` replaces it, the outgoing
version is frozen with the sha256 of its zip bundle (when it was mirrored) and a blob reference that keeps the
bundle downloadable (`/download/{type}/{id}?version=N`) until retention (`REGISTRY_VERSIONS_KEPT`) lets it go;
the entry itself stays listed. Each version pins the upstream commit captured at ingest, and carries the
generation that ratings, lineage and cost computed for it are stored under.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from package.core.auth_middleware import Principal
from package.core.storage import Check, Storage
from package.core.storage.interface import Operation
from package.routers.artifacts import database
from package.routers.artifacts.config import get_artifacts_settings
from package.routers.artifacts.downloads import ZIP, BlobPlan, safe_name
from package.routers.artifacts.errors import VersionNotFound as VersionNotFound
from package.routers.artifacts.interface import ArtifactRecord, ArtifactVersion, MirrorStatus, VersionScore
from package.routers.artifacts.mirror import release_blobs

# (storage, record, its versions) -> net score by version number: the rating domain provides them
# (add_version_score_source), so this domain never reads another domain's storage.
VersionScoreSource = Callable[[Storage, ArtifactRecord, Sequence[ArtifactVersion]], dict[int, VersionScore]]
_score_sources: list[VersionScoreSource] = []


def _entry(record: ArtifactRecord, number: int, by: str, at: str) -> ArtifactVersion:
    return ArtifactVersion(
        number=number,
        revision=record.revision,
        source_url=record.url,
        created_by=by,
        created_at=at,
        generation=record.generation,
    )


def _bundle_of(record: ArtifactRecord) -> str | None:
    complete = record.mirror.status is MirrorStatus.COMPLETE
    return record.mirror.bundle_sha256 if complete and record.mirror.bundle_sha256 else None


def first(record: ArtifactRecord) -> list[Operation]:
    """The writes that make a new artifact's version 1 (stored with the artifact, atomically)."""
    entry = _entry(record, 1, record.created_by, record.created_at)
    return [database.put_version(record.id, 1, entry.model_dump(mode="json"), new=True)]


def history(storage: Storage, record: ArtifactRecord) -> list[ArtifactVersion]:
    """Every version, oldest first; the last is the current one (its bundle as mirrored so far)."""
    found = [ArtifactVersion.model_validate(item) for item in database.versions(storage, record.id)]
    if not found or found[-1].generation != record.generation:  # a record older than versions
        number = found[-1].number + 1 if found else 1
        at = record.updated_at or record.created_at
        found.append(_entry(record, number, record.created_by, at))
    sha = _bundle_of(record)
    found[-1] = found[-1].model_copy(update={"current": True, "bundle_sha256": sha, "bundle_kept": bool(sha)})
    return found


def following(
    storage: Storage, old: ArtifactRecord, new: ArtifactRecord, principal: Principal, at: str
) -> list[Operation]:
    """The writes that freeze the outgoing version and add the next (stored with the update, atomically)."""
    outgoing = history(storage, old)[-1]
    frozen = outgoing.model_copy(update={"current": False})
    ops = [database.put_version(old.id, frozen.number, frozen.model_dump(mode="json"), new=False)]
    if frozen.bundle_sha256:
        ops.append(database.keep_version_blob(old.id, frozen.number, frozen.bundle_sha256))
    nxt = _entry(new, frozen.number + 1, principal.name, at)
    ops.append(database.put_version(new.id, nxt.number, nxt.model_dump(mode="json"), new=True))
    return ops


def _split(found: list[ArtifactVersion], keep: int) -> tuple[list[ArtifactVersion], list[ArtifactVersion]]:
    """(retained, let go): the current version and the newest `keep` earlier ones are retained."""
    earlier = found[:-1]
    cut = max(0, len(earlier) - keep)
    return [*earlier[cut:], found[-1]], earlier[:cut]


def retained_versions(storage: Storage, record: ArtifactRecord) -> list[ArtifactVersion]:
    """The versions retention keeps (REGISTRY_VERSIONS_KEPT earlier ones and the current), oldest first.

    Their bundles (while mirrored), ratings, lineage and cost stay readable; older ones stay listed only."""
    return _split(history(storage, record), get_artifacts_settings().versions_kept)[0]


def apply_retention(storage: Storage, record: ArtifactRecord, keep: int) -> list[int]:
    """Let go of the bundles of earlier versions beyond the newest `keep`; returns the versions released."""
    released = [v for v in _split(history(storage, record), keep)[1] if v.bundle_kept]
    for version in released:
        item = version.model_copy(update={"bundle_kept": False}).model_dump(mode="json")
        database.release_version_blob(storage, record.id, version.number, item)
    release_blobs(storage, [v.bundle_sha256 for v in released if v.bundle_sha256])
    return [v.number for v in released]


def version_of(storage: Storage, record: ArtifactRecord, number: int | None) -> ArtifactVersion:
    """Version `number` (None: the current one) while retained; VersionNotFound when unknown or let go."""
    found = history(storage, record)
    if number is None:
        return found[-1]
    by_number = {v.number: v for v in found}
    if number not in by_number:
        last = found[-1].number
        raise VersionNotFound(f"Artifact {record.id} has no version {number} (it has 1 to {last}).")
    keep = get_artifacts_settings().versions_kept
    if number not in {v.number for v in _split(found, keep)[0]}:
        raise VersionNotFound(
            f"Version {number} of artifact {record.id} is no longer kept: retention (REGISTRY_VERSIONS_KEPT="
            f"{keep}) let it go with its rating, lineage and cost; it stays listed."
        )
    return by_number[number]


def earlier_version(storage: Storage, record: ArtifactRecord, number: int | None) -> ArtifactVersion | None:
    """The earlier version `?version=N` asks for, to read what is kept under its generation.

    None when no number or the current one's is given (serve the artifact as it is); VersionNotFound when
    the version is unknown or retention let it go."""
    if number is None:  # no read at all: the spec's endpoints
        return None
    version = version_of(storage, record, number)
    return None if version.current else version


def generation_check(artifact_id: str, generation: str) -> Check:
    """A transaction Check that the artifact still exists at this generation (a PUT since makes it fail).

    Another domain writing data computed for one generation adds it to its write, so a slow computation of
    a replaced version is never stored as the current one's."""
    return Check(database.ARTIFACT, artifact_id, equals={"generation": generation})


def add_version_score_source(source: VersionScoreSource) -> None:
    """Let a domain provide each version's stored net score for the versions list (idempotent)."""
    if source not in _score_sources:
        _score_sources.append(source)


def scored_history(storage: Storage, record: ArtifactRecord) -> list[ArtifactVersion]:
    """`history` with each retained version's stored net score and rating link, when a source knows one."""
    found = history(storage, record)
    kept = {v.number for v in _split(found, get_artifacts_settings().versions_kept)[0]}
    scores: dict[int, VersionScore] = {}
    for source in _score_sources:
        scores.update(source(storage, record, [v for v in found if v.number in kept]))
    return [v.model_copy(update=scores[v.number].model_dump()) if v.number in scores else v for v in found]


def bundle_plan(storage: Storage, record: ArtifactRecord, number: int) -> BlobPlan:
    """How to serve an earlier version's bundle; VersionNotFound when there is none or it was let go."""
    found = {v.number: v for v in history(storage, record)}
    version = found.get(number)
    if version is None:
        raise VersionNotFound(f"Artifact {record.id} has no version {number} (it has 1 to {max(found)}).")
    sha = version.bundle_sha256
    if not version.bundle_kept or not sha or not storage.blobs.exists(sha):
        raise VersionNotFound(
            f"The bundle of version {number} of artifact {record.id} is not kept: it was never mirrored or "
            "retention (REGISTRY_VERSIONS_KEPT) let it go."
        )
    filename = f"{safe_name(record.name)}-v{number}.zip"
    return BlobPlan(sha, storage.blobs.size(sha) or 0, filename, ZIP, storage.blobs.local_path(sha))
