"""Scanning files as they pass: spool the bytes to a temporary file, then scan it on a small thread pool.

The spool keeps only what the scan needs: a header-only format (safetensors, GGUF, or anything that is no
model format) keeps its first bytes; other files are kept whole up to REGISTRY_SAFETY_MAX_FILE_BYTES.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import IO

from package.routers.safety import scanner
from package.routers.safety.config import SafetySettings
from package.routers.safety.headers import SAFETENSORS_MAX_HEADER
from package.routers.safety.interface import FileFormat, FileScan, worst
from package.routers.safety.outcome import Outcome
from package.routers.safety.rules import RULES_VERSION

logger = logging.getLogger("registry.safety")
SPOOL_IN_MEMORY = 1024 * 1024

ScanDone = Callable[[FileScan], None]


def now_iso() -> str:
    """The current UTC time, ISO-8601 with a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_file_scan(out: Outcome, *, size: int, sha256: str | None, seconds: float) -> FileScan:
    """A stored scan from a scanner's outcome."""
    return FileScan(
        path=out.path,
        format=out.format,
        verdict=worst([f.severity for f in out.findings]),
        findings=out.findings,
        size=size,
        sha256=sha256,
        imports=out.imports,
        scanners=out.scanners,
        rules_version=RULES_VERSION,
        scanned_at=now_iso(),
        seconds=round(seconds, 4),
    )


def scan_spool(path: str, spool: IO[bytes], size: int, *, complete: bool, sha256: str | None,
               seconds_limit: float) -> FileScan:  # fmt: skip
    """Scan a spooled file and describe the result."""
    started = time.monotonic()
    spool.seek(0)
    out = scanner.scan_file(
        path, spool, size, complete=complete, deadline=scanner.deadline_after(seconds_limit)
    )
    return to_file_scan(out, size=size, sha256=sha256, seconds=time.monotonic() - started)


class SpoolWatcher:
    """Keeps the bytes of one passing file for its scan (an events.FileWatcher)."""

    def __init__(self, path: str, settings: SafetySettings, queue: ScanQueue | None, done: ScanDone) -> None:
        self.path = path
        self.settings = settings
        self.queue = queue
        self.done = done
        # closed by finish() or after the scan: the file outlives this call
        self.spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        self.hasher = hashlib.sha256()
        self.size = 0
        self.kept = 0
        self.limit: int | None = None

    def write(self, chunk: bytes) -> None:
        """Hash every byte; keep those the scan needs."""
        if self.limit is None:
            self.limit = self._keep(chunk)
        self.hasher.update(chunk)
        self.size += len(chunk)
        room = self.limit - self.kept
        if room > 0:
            part = chunk[:room]
            self.spool.write(part)
            self.kept += len(part)

    def _keep(self, first: bytes) -> int:
        """How many bytes the scan of this file needs, judged from its first chunk."""
        fmt = scanner.sniff(self.path, first[:16])
        if fmt is FileFormat.OTHER:
            return scanner.SNIFF_BYTES  # no model format: its first bytes said so
        if fmt is FileFormat.SAFETENSORS and len(first) >= 8:
            header = int.from_bytes(first[:8], "little")
            return 8 + min(header, SAFETENSORS_MAX_HEADER)  # the header, not the weights
        if fmt in scanner.HEADER_ONLY:
            return scanner.HEADER_BUDGET
        return self.settings.safety_max_file_bytes

    def finish(self, complete: bool) -> None:
        """Scan in the background once every byte has passed; drop a broken-off stream."""
        if not complete:
            self.spool.close()
            return
        if self.queue is None:
            self._scan()
        else:
            self.queue.submit(self._scan)

    def scan_now(self) -> FileScan:
        """Scan what was written, here and now (the caller has every byte)."""
        try:
            return scan_spool(
                self.path,
                self.spool,
                self.size,
                complete=self.kept == self.size,
                sha256=self.hasher.hexdigest(),
                seconds_limit=self.settings.safety_scan_seconds,
            )
        finally:
            self.spool.close()

    def _scan(self) -> None:
        self.done(self.scan_now())


class ScanQueue:
    """A small pool of background scans, waitable as a whole."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="safety")
        self._lock = threading.Lock()
        self._jobs: list[Future[None]] = []

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` in the background; its failure is logged."""
        with self._lock:
            self._jobs = [j for j in self._jobs if not j.done()]
            self._jobs.append(self._pool.submit(_logged, job))

    def pending(self) -> int:
        """Scans queued or running."""
        with self._lock:
            return sum(1 for j in self._jobs if not j.done())

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until every scan submitted so far has finished; False on time-out."""
        with self._lock:
            jobs = list(self._jobs)
        _, not_done = wait(jobs, timeout=timeout)
        return not not_done

    def close(self) -> None:
        """Wait briefly for the scans under way, then end the threads (queued scans are dropped)."""
        self.wait_idle(timeout=30)
        self._pool.shutdown(wait=False, cancel_futures=True)


def _logged(job: Callable[[], None]) -> None:
    try:
        job()
    except Exception:  # a background scan must say why it stopped
        logger.exception("safety scan failed")
