"""How an artifact's bytes reach a client: from the blob store once mirrored, else through from upstream."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from urllib.parse import quote

from package.core.config import Settings
from package.core.errors import NotFound, RegistryError, UpstreamGated
from package.core.events import run_download_guards, watch_file
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.snapshot import FileStream, RemoteFile, Snapshot
from package.routers.artifacts import database
from package.routers.artifacts.bundle import BundleEntry, stream_zip
from package.routers.artifacts.config import ArtifactsSettings, DownloadRedirect, get_artifacts_settings
from package.routers.artifacts.interface import ArtifactRecord, MirrorStatus
from package.routers.artifacts.mirror import caches, get_mirror_queue, tee

logger = logging.getLogger("registry.download")


@dataclass(frozen=True)
class BlobPlan:
    """Serve a stored blob (Range, ETag and Content-Length apply)."""

    sha256: str
    size: int
    filename: str
    media_type: str
    local_path: Path | None


@dataclass(frozen=True)
class StreamPlan:
    """Stream bytes arriving from upstream (the cache fills as they pass)."""

    chunks: Iterator[bytes]
    filename: str
    media_type: str
    size: int | None


class NotCopiedYet(RegistryError):
    """The download is too large to stream through this deployment and is not in the blob store yet."""

    status_code = 503
    code = "not_copied_yet"


@dataclass(frozen=True)
class RedirectPlan:
    """Send the client to the source (reference-only artifacts)."""

    url: str


DownloadPlan = BlobPlan | StreamPlan | RedirectPlan
ZIP = "application/zip"
OCTETS = "application/octet-stream"


def plan_bundle(
    storage: Storage, upstreams: Upstreams, settings: Settings, record: ArtifactRecord
) -> DownloadPlan:
    """The whole artifact as one zip."""
    stored = plan_stored_bundle(storage, record)
    if stored is not None:
        return stored
    return _streamed_bundle(storage, upstreams, settings, record)


def plan_stored_bundle(storage: Storage, record: ArtifactRecord) -> DownloadPlan | None:
    """The whole artifact as one zip when no upstream is needed for it (a stored blob, or a redirect for a
    reference-only artifact); None when it would stream from upstream. The download guards apply."""
    run_download_guards(record.id, None)  # e.g. safety's policy on dangerous artifacts
    if record.reference_only:
        return RedirectPlan(record.url)
    sha = record.mirror.bundle_sha256
    size = storage.blobs.size(sha) if record.mirror.status is MirrorStatus.COMPLETE and sha else None
    if sha and size is not None:  # stored: one size read stands for `exists` too
        filename = f"{safe_name(record.name)}.zip"
        return BlobPlan(sha, size, filename, ZIP, storage.blobs.local_path(sha))
    return None


def _streamed_bundle(
    storage: Storage, upstreams: Upstreams, settings: Settings, record: ArtifactRecord
) -> DownloadPlan:
    """The bundle zipped as its files arrive from upstream (copied into the store as they pass, if kept)."""
    filename = f"{safe_name(record.name)}.zip"
    _refuse_gated(record)
    snapshot = _snapshot(storage, record)
    keep = caches(settings, record)
    _refuse_oversized_stream(record, snapshot.total_bytes, keep=keep)
    entries = _bundle_entries(storage, upstreams, record, snapshot, keep=keep)
    chunks = _primed(stream_zip(entries))
    if keep:
        chunks = _then(chunks, lambda: get_mirror_queue().submit(record.id, record.generation))
    return StreamPlan(chunks, filename, ZIP, None)


def plan_file(
    storage: Storage, upstreams: Upstreams, settings: Settings, record: ArtifactRecord, path: str
) -> DownloadPlan:
    """One file of the artifact."""
    run_download_guards(record.id, path)
    snapshot = _snapshot(storage, record)
    remote = next((f for f in snapshot.files if f.path == path), None)
    if record.reference_only:
        return RedirectPlan(record.url)
    if remote is None:
        raise NotFound(f"Artifact {record.id} has no file {path!r}.")
    filename = safe_name(path.rsplit("/", 1)[-1])
    mirrored = database.mirrored_files(storage, record.id).get(path)
    if mirrored and storage.blobs.exists(str(mirrored["sha256"])):
        sha = str(mirrored["sha256"])
        return BlobPlan(sha, int(mirrored["size"]), filename, OCTETS, storage.blobs.local_path(sha))
    _refuse_gated(record)
    _refuse_oversized_stream(record, remote.size, keep=caches(settings, record))
    stream = upstreams.adapter(snapshot.source.kind).open_file(snapshot, path)
    chunks = _primed(_upstream_chunks(storage, record, remote, stream, keep=caches(settings, record)))
    return StreamPlan(chunks, filename, OCTETS, remote.size)


def _refuse_oversized_stream(record: ArtifactRecord, size: int, *, keep: bool) -> None:
    """Where responses are capped (Lambda), a large download waits for the copy instead of breaking midway."""
    cap = get_artifacts_settings().max_stream_bytes
    if cap is None or size <= cap:
        return
    if not keep:
        raise NotCopiedYet(
            f"{record.name!r} ({size} bytes) is larger than this deployment streams ({cap} bytes), and it is "
            f"not copied into the registry (mirror status: {record.mirror.status.value})."
        )
    get_mirror_queue().submit(record.id, record.generation)
    raise NotCopiedYet(
        f"{record.name!r} ({size} bytes) is being copied into the registry; it downloads once the copy is "
        f"complete ({record.mirror.bytes_done} of {record.mirror.bytes_total} bytes so far).",
        headers={"Retry-After": "30"},
    )


def _snapshot(storage: Storage, record: ArtifactRecord) -> Snapshot:
    raw = database.snapshot(storage, record.id)
    if raw is None:
        raise NotFound(f"Artifact {record.id} does not exist.")
    return Snapshot.from_item(raw)


def _refuse_gated(record: ArtifactRecord) -> None:
    if record.mirror.status is MirrorStatus.GATED:
        raise UpstreamGated(record.mirror.message or f"{record.repo_id!r} is gated upstream.")


def _bundle_entries(
    storage: Storage, upstreams: Upstreams, record: ArtifactRecord, snapshot: Snapshot, *, keep: bool
) -> Iterator[BundleEntry]:
    have = database.mirrored_files(storage, record.id)
    from_upstream: Iterator[tuple[RemoteFile, FileStream]] | None = None
    for remote in snapshot.files:
        stored = have.get(remote.path)
        if stored and storage.blobs.exists(str(stored["sha256"])):
            yield remote.path, int(stored["size"]), storage.blobs.read_chunks(str(stored["sha256"]))
            continue
        if from_upstream is None:
            from_upstream = iter(upstreams.adapter(snapshot.source.kind).iter_files(snapshot))
        for candidate, stream in from_upstream:
            if candidate.path == remote.path:
                yield remote.path, remote.size, _upstream_chunks(storage, record, remote, stream, keep=keep)
                break
        else:
            raise NotFound(f"Upstream no longer has {remote.path!r} of {record.repo_id!r}.")


def _upstream_chunks(
    storage: Storage, record: ArtifactRecord, remote: RemoteFile, stream: FileStream, *, keep: bool
) -> Iterator[bytes]:
    with stream as chunks:
        watched = watch_file(record.id, record.generation, remote.path, remote.size, chunks)  # e.g. scans
        yield from tee(storage, record, remote, watched) if keep else watched


def _primed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Start the stream now, so an upstream refusal becomes an error response rather than a broken body."""
    try:
        first = next(chunks)
    except StopIteration:
        return iter(())
    return chain([first], _logged(chunks))


def _logged(chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    except RegistryError as exc:
        logger.warning("download interrupted: %s", exc.message)
        raise


def _then(chunks: Iterable[bytes], action: object) -> Iterator[bytes]:
    yield from chunks
    if callable(action):
        action()


def safe_name(name: str) -> str:
    """A name fit for a download's file name (no path, quote or control characters)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned or "artifact"


def disposition(filename: str) -> str:
    """An attachment Content-Disposition that survives any file name."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def presigned_url(storage: Storage, plan: BlobPlan, downloads: ArtifactsSettings | None = None) -> str | None:
    """The blob store's short-lived URL for a stored file when downloads redirect there (S3), else None."""
    downloads = downloads or get_artifacts_settings()
    if downloads.download_redirect is not DownloadRedirect.PRESIGNED:
        return None
    return storage.blobs.presigned_url(
        plan.sha256,
        disposition=disposition(plan.filename),
        media_type=plan.media_type,
        expires_seconds=downloads.presign_seconds,
    )
