"""Background copy of artifact content into the blob store (a pull-through cache's fill side)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from package.core.background import ProcessWide
from package.core.config import MirrorPolicy, Settings, get_settings
from package.core.errors import RegistryError, UpstreamGated
from package.core.events import watch_file
from package.core.storage import BlobInfo, ConditionFailed, Storage, get_storage
from package.core.upstream.clients import Upstreams, get_upstreams
from package.core.upstream.snapshot import RemoteFile, Snapshot
from package.routers.artifacts import database, mirror_db
from package.routers.artifacts.bundle import stream_zip
from package.routers.artifacts.config import get_artifacts_settings
from package.routers.artifacts.interface import ArtifactRecord, MirrorState, MirrorStatus

logger = logging.getLogger("registry.mirror")
STOP_WAIT_S = 10.0  # how long a reset waits for cancelled copies to stop at their next chunk


class IntegrityError(RegistryError):
    """Bytes from upstream do not match the hash its manifest states."""

    status_code = 502
    code = "upstream_integrity"


def now_iso() -> str:
    """The current UTC time, ISO-8601 with a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def initial_state(settings: Settings, *, snapshot: Snapshot) -> MirrorState:
    """Where mirroring starts for a freshly captured snapshot, by policy, size, gate and source."""
    state = MirrorState(
        files_total=len(snapshot.files), bytes_total=snapshot.total_bytes, updated_at=now_iso()
    )
    if snapshot.reference_only:
        return state.model_copy(
            update={"status": MirrorStatus.REFERENCE, "message": snapshot.details.get("reference_reason")}
        )
    if snapshot.gated and not settings.hf_token:
        return state.model_copy(
            update={
                "status": MirrorStatus.GATED,
                "message": f"{snapshot.source.repo_id!r} is gated ({snapshot.gated}) on Hugging Face; set "
                "HF_TOKEN to a token with access to mirror or download its files.",
            }
        )
    if settings.mirror is MirrorPolicy.OFF:
        return state.model_copy(
            update={
                "status": MirrorStatus.SKIPPED,
                "message": "Mirroring is off: downloads stream from upstream.",
            }
        )
    if snapshot.total_bytes > settings.max_artifact_bytes:
        return state.model_copy(
            update={
                "status": MirrorStatus.SKIPPED,
                "message": f"{snapshot.total_bytes} bytes exceed the mirror cap of "
                f"{settings.max_artifact_bytes}: downloads stream from upstream.",
            }
        )
    return state


def resumable(record: ArtifactRecord, *, now: datetime | None = None) -> bool:
    """Whether a copy should be (re)started from storage: a stopped process left it pending or under way, or
    it failed (an upstream fault) at least REGISTRY_MIRROR_RETRY_SECONDS ago."""
    status = record.mirror.status
    if status in {MirrorStatus.PENDING, MirrorStatus.MIRRORING}:
        return True
    if status is not MirrorStatus.FAILED or record.mirror.updated_at is None:
        return False
    try:
        failed_at = datetime.fromisoformat(record.mirror.updated_at)
    except ValueError:
        return True  # an unreadable time must not keep a copy failed for ever
    age = ((now or datetime.now(UTC)) - failed_at).total_seconds()
    return age >= get_artifacts_settings().mirror_retry_seconds


def to_resume(storage: Storage) -> Iterator[ArtifactRecord]:
    """The artifacts whose copy should be (re)started from storage (`resumable`), found through the index of
    unfinished copies: only their records are read, never every artifact's."""
    for ids in mirror_db.unfinished_pages(storage):
        records = database.get_many(storage, ids)
        for artifact_id in ids:
            record = records.get(artifact_id)
            if record is None or not mirror_db.unfinished(record.mirror):
                mirror_db.drop_stale(storage, artifact_id, record)  # e.g. left by an older process
            elif resumable(record):
                yield record


def caches(settings: Settings, record: ArtifactRecord) -> bool:
    """Whether bytes of this artifact that pass through the registry are kept."""
    return (
        record.mirror.status
        in {MirrorStatus.PENDING, MirrorStatus.MIRRORING, MirrorStatus.FAILED, MirrorStatus.COMPLETE}
        and settings.mirror is not MirrorPolicy.OFF
    )


class MirrorCancelled(ConditionFailed):
    """The registry was reset, or the artifact deleted or changed, while a copy was running."""


# How often a copy asks storage whether its artifact still stands: a reset or a deletion by another process
# (several workers share one storage) stops it this soon, not after the file it is copying.
STANDING_CHECK_SECONDS = 0.5


class _Standing:
    """Asks storage, at most every STANDING_CHECK_SECONDS, whether the artifact being copied still stands."""

    def __init__(self, storage: Storage, record: ArtifactRecord) -> None:
        self._storage = storage
        self._record = record
        self._next = time.monotonic() + STANDING_CHECK_SECONDS

    def check(self) -> None:
        """Raise MirrorCancelled once the artifact is gone or of another generation."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + STANDING_CHECK_SECONDS
        current = database.get(self._storage, self._record.id)
        if current is None or current.generation != self._record.generation:
            raise MirrorCancelled(f"{self._record.id} was deleted, changed or reset meanwhile")


def store_file(
    storage: Storage,
    record: ArtifactRecord,
    remote: RemoteFile,
    chunks: Iterable[bytes],
    stop: threading.Event | None = None,
) -> BlobInfo:
    """Write one upstream file into the blob store, check its hash, and record it for the artifact."""
    standing = _Standing(storage, record)
    with storage.blobs.writer() as writer:
        watched = watch_file(record.id, record.generation, remote.path, remote.size, chunks)  # e.g. scans
        for chunk in watched:
            if stop is not None and stop.is_set():
                raise MirrorCancelled(f"copy of {remote.path!r} cancelled")
            standing.check()  # a reset in another process has no `stop` to set
            writer.write(chunk)
        digest = writer.hasher.hexdigest()
        if remote.sha256 and digest != remote.sha256:
            raise IntegrityError(
                f"{remote.path!r} of {record.repo_id!r} arrived with sha256 {digest}, but "
                f"upstream states {remote.sha256}."
            )
    info = writer.info
    assert info is not None  # set by the writer on success
    try:
        database.add_mirrored_file(storage, record.id, record.generation, remote.path, info.sha256, info.size)
    except ConditionFailed:
        release_blobs(storage, [info.sha256])
        raise
    return info


def tee(
    storage: Storage, record: ArtifactRecord, remote: RemoteFile, chunks: Iterator[bytes]
) -> Iterator[bytes]:
    """Pass a file's chunks through while storing them; the blob is kept only if the whole file passed."""
    with storage.blobs.writer() as writer:
        for chunk in chunks:
            writer.write(chunk)
            yield chunk
        digest = writer.hasher.hexdigest()
        if remote.sha256 and digest != remote.sha256:
            raise IntegrityError(f"{remote.path!r} of {record.repo_id!r} does not match its stated sha256.")
    info = writer.info
    if info is not None:
        try:
            database.add_mirrored_file(
                storage, record.id, record.generation, remote.path, info.sha256, info.size
            )
        except ConditionFailed:
            release_blobs(storage, [info.sha256])


def release_blobs(storage: Storage, shas: Iterable[str]) -> None:
    """Delete the blobs no artifact references any more."""
    for sha in shas:
        if not database.blob_in_use(storage, sha):
            storage.blobs.delete(sha)


def build_bundle(storage: Storage, record: ArtifactRecord, snapshot: Snapshot) -> BlobInfo:
    """Write the artifact's zip bundle from its mirrored files into the blob store."""
    have = database.mirrored_files(storage, record.id)
    entries = [
        (f.path, int(have[f.path]["size"]), storage.blobs.read_chunks(str(have[f.path]["sha256"])))
        for f in snapshot.files
    ]
    with storage.blobs.writer() as writer:
        for chunk in stream_zip(entries):
            writer.write(chunk)
    assert writer.info is not None
    return writer.info


def _copy_missing(
    storage: Storage,
    upstreams: Upstreams,
    record: ArtifactRecord,
    snapshot: Snapshot,
    have: dict[str, dict[str, Any]],
    state: MirrorState,
    stop: threading.Event | None,
    *,
    wanted: set[str],
) -> MirrorState:
    """Copy the `wanted` manifest files (`have` is updated as they land), saving progress after each."""
    for remote, stream in upstreams.adapter(snapshot.source.kind).iter_files(snapshot):
        if remote.path not in wanted:
            continue
        with stream as chunks:
            info = store_file(storage, record, remote, chunks, stop)
        have[remote.path] = {"sha256": info.sha256, "size": info.size}
        state = _progress(state, snapshot, have)
        mirror_db.save_mirror_state(storage, record.id, record.generation, state)
        logger.info(
            "mirrored file",
            extra={
                "artifact_id": record.id,
                "path": remote.path,
                "bytes_done": state.bytes_done,
                "bytes_total": state.bytes_total,
            },
        )
    return state


def mirror_artifact(
    storage: Storage,
    upstreams: Upstreams,
    artifact_id: str,
    generation: str,
    stop: threading.Event | None = None,
) -> None:
    """Copy every missing file of an artifact, then build its bundle; progress goes to the record."""
    if stop is not None and stop.is_set():
        return
    record = database.get(storage, artifact_id)
    raw = database.snapshot(storage, artifact_id)
    if record is None or raw is None or record.generation != generation:
        return
    snapshot = Snapshot.from_item(raw)
    state = record.mirror.model_copy(update={"status": MirrorStatus.MIRRORING, "message": None})
    try:
        have = database.mirrored_files(storage, artifact_id)
        missing = [
            f
            for f in snapshot.files
            if f.path not in have or not storage.blobs.exists(str(have[f.path]["sha256"]))
        ]
        state = _progress(state, snapshot, have)
        mirror_db.save_mirror_state(storage, artifact_id, generation, state)
        if missing:
            wanted = {f.path for f in missing}
            state = _copy_missing(storage, upstreams, record, snapshot, have, state, stop, wanted=wanted)
        bundle = build_bundle(storage, record, snapshot)
        state = state.model_copy(
            update={
                "status": MirrorStatus.COMPLETE,
                "bundle_sha256": bundle.sha256,
                "bundle_size": bundle.size,
                "updated_at": now_iso(),
            }
        )
        try:
            mirror_db.save_mirror_state(storage, artifact_id, generation, state)
        except ConditionFailed:
            release_blobs(storage, [bundle.sha256])
            raise
        logger.info("mirror complete", extra={"artifact_id": artifact_id, "bytes": state.bytes_done})
    except ConditionFailed:
        logger.info("mirror stopped: artifact deleted or changed", extra={"artifact_id": artifact_id})
    except UpstreamGated as exc:
        _finish(storage, artifact_id, generation, state, MirrorStatus.GATED, exc.message)
    except RegistryError as exc:
        _finish(storage, artifact_id, generation, state, MirrorStatus.FAILED, exc.message)
    except Exception as exc:  # a background job must record why it stopped, whatever it was
        logger.exception("mirror failed", extra={"artifact_id": artifact_id})
        _finish(storage, artifact_id, generation, state, MirrorStatus.FAILED, f"{type(exc).__name__}: {exc}")


def _progress(state: MirrorState, snapshot: Snapshot, have: dict[str, dict[str, object]]) -> MirrorState:
    done = [f for f in snapshot.files if f.path in have]
    return state.model_copy(
        update={"files_done": len(done), "bytes_done": sum(f.size for f in done), "updated_at": now_iso()}
    )


def _finish(
    storage: Storage,
    artifact_id: str,
    generation: str,
    state: MirrorState,
    status: MirrorStatus,
    message: str,
) -> None:
    logger.warning(
        "mirror ended", extra={"artifact_id": artifact_id, "status": status.value, "reason": message}
    )
    with suppress(ConditionFailed):
        mirror_db.save_mirror_state(
            storage,
            artifact_id,
            generation,
            state.model_copy(update={"status": status, "message": message, "updated_at": now_iso()}),
        )


class MirrorQueue:
    """A small pool of background threads that mirror artifacts, one job per artifact at a time."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mirror")
        self._lock = threading.Lock()
        self._jobs: dict[str, Future[None]] = {}
        self._stop = threading.Event()

    def submit(self, artifact_id: str, generation: str) -> None:
        """Queue an artifact for mirroring unless a job for it is already queued or running."""
        with self._lock:
            running = self._jobs.get(artifact_id)
            if running is not None and not running.done():
                return
            self._jobs[artifact_id] = job = self._pool.submit(
                mirror_artifact, get_storage(), get_upstreams(), artifact_id, generation, self._stop
            )
        # Outside the lock: a job already done runs the callback here and now.
        job.add_done_callback(lambda done: self._forget(artifact_id, done))

    def _forget(self, artifact_id: str, job: Future[None]) -> None:
        """Drop a finished job, unless a newer one for the artifact took its place."""
        with self._lock:
            if self._jobs.get(artifact_id) is job:
                del self._jobs[artifact_id]

    def cancel_all(self) -> None:
        """Make every queued and running job stop at its next chunk (a reset does not wait for big copies)."""
        with self._lock:
            self._stop.set()
            self._stop = threading.Event()

    def stop_all(self, timeout: float = STOP_WAIT_S) -> bool:
        """Cancel every job and wait for the running ones to stop at their next chunk; False on time-out."""
        self.cancel_all()
        stopped = self.wait_idle(timeout=timeout)
        if not stopped:
            logger.warning("mirror copies still running after the wait: their writes will be refused")
        return stopped

    def pending(self) -> int:
        """How many jobs are queued or running."""
        with self._lock:
            return sum(1 for job in self._jobs.values() if not job.done())

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every job submitted so far has finished; False on time-out."""
        with self._lock:
            jobs = list(self._jobs.values())
        _, not_done = wait(jobs, timeout=timeout)
        return not not_done

    def close(self) -> None:
        """Stop the running copies at their next chunk, wait for them briefly, and end the threads."""
        self.cancel_all()
        self.wait_idle(timeout=30)
        self._pool.shutdown(wait=False, cancel_futures=True)


_mirror_queue = ProcessWide(lambda: MirrorQueue(get_settings().mirror_workers), MirrorQueue.close)


def get_mirror_queue() -> MirrorQueue:
    """The process-wide mirror queue."""
    return _mirror_queue.get()


def reset_mirror_queue() -> None:
    """Stop the process's mirror queue (tests); a new one starts on next use."""
    _mirror_queue.reset()
