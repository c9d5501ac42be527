"""Sweep blobs nothing references: what a process killed between a record's delete and its blobs' delete (or
between a blob's write and its reference) leaves in the blob store.

A blob is an orphan when no BLOBREF item names it: mirrored files, bundles and kept versions' bundles
(VERSIONREF, stored as `BLOBREF#<sha256> / <id>#v<n>`) all reference their blob there. A blob younger than
the grace period is kept whatever its references, because an ingest or copy writes a blob first and its
reference right after: sweeping in between would delete a blob about to be used.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from package.core.storage import Storage, StorageError
from package.routers.artifacts import database, maintenance_db
from package.routers.artifacts.config import get_artifacts_settings

logger = logging.getLogger("registry.artifacts.sweep")


@dataclass(frozen=True)
class SweepResult:
    """What one sweep saw and did."""

    listed: int
    swept: int
    young: int
    referenced: int


def sweep_orphan_blobs(
    storage: Storage, *, grace_seconds: float | None = None, now: float | None = None
) -> SweepResult:
    """Delete every blob older than the grace period that no artifact or version references."""
    grace = get_artifacts_settings().orphan_grace_seconds if grace_seconds is None else grace_seconds
    cutoff = (time.time() if now is None else now) - grace
    listed = swept = young = referenced = 0
    for blob in maintenance_db.stored_blobs(storage):
        listed += 1
        if blob.modified > cutoff:
            young += 1
        elif database.blob_in_use(storage, blob.sha256):
            referenced += 1
        else:
            maintenance_db.delete_blob(storage, blob.sha256)
            swept += 1
    result = SweepResult(listed=listed, swept=swept, young=young, referenced=referenced)
    if swept:
        logger.info("swept orphan blobs", extra=result.__dict__)
    return result


_started_once = threading.Event()


def sweep_in_background(storage: Storage) -> threading.Thread | None:
    """Run one sweep on a daemon thread (start-up must not wait for a listing of a large bucket), once per
    process: Mangum runs the start-up for every Lambda invocation, where the worker's schedule sweeps."""
    if _started_once.is_set():
        return None
    _started_once.set()

    def run() -> None:
        try:
            sweep_orphan_blobs(storage)
        except (StorageError, OSError):  # the next start or worker run tries again
            logger.warning("orphan blob sweep failed", exc_info=True)

    thread = threading.Thread(target=run, name="orphan-sweep", daemon=True)
    thread.start()
    return thread
