"""Embedded blob driver: one file per blob, named by its sha256, written to a temp file and renamed."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from package.core.storage.interface import BlobInfo, BlobWriter, StorageError, StoredBlob

CHUNK_BYTES = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")  # a blob's name (checked on every access: a regex, not a loop)
STALE_TEMP_SECONDS = 15 * 60  # a write in progress touches its file far more often than this


class FileBlobStore:
    """BlobStore over a folder: `<root>/<sha[:2]>/<sha>`, with in-progress writes under `<root>/tmp`."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._root_text = str(self._root)
        self._tmp = self._root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self.sweep_stale_writes()

    def sweep_stale_writes(self, *, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Remove temp files of writes a killed process left behind; returns how many."""
        cutoff = time.time() - older_than
        swept = 0
        for leftover in self._tmp.glob("blob-*"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    swept += 1
            except FileNotFoundError:  # finished or swept by another process meanwhile
                continue
        return swept

    def _path(self, sha256: str) -> Path:
        return Path(self._file(sha256))

    def _file(self, sha256: str) -> str:
        """The blob's file name, joined as text: a download's checks build it twice, and pathlib's joins
        cost several times the system call they lead to."""
        if _SHA256.fullmatch(sha256) is None:
            raise StorageError(f"not a sha256 address: {sha256!r}")
        return os.path.join(self._root_text, sha256[:2], sha256)

    @contextmanager
    def writer(self) -> Iterator[BlobWriter]:
        """A writer whose blob exists only if the block ends without error; then `writer.info` is set."""
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="blob-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as sink:
                blob = BlobWriter(sink=sink, hasher=hashlib.sha256())
                yield blob
                sink.flush()
                os.fsync(sink.fileno())
            os.chmod(tmp_path, 0o644)  # readable by a front server (nginx sendfile), like any published file
            sha256 = blob.hasher.hexdigest()
            final = self._path(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_path, final)  # atomic: readers see the whole blob or none
            blob.info = BlobInfo(sha256=sha256, size=blob.size)
        finally:
            tmp_path.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return os.path.isfile(self._file(sha256))

    def size(self, sha256: str) -> int | None:
        """The blob's size, or None when absent."""
        try:
            return os.stat(self._file(sha256)).st_size
        except FileNotFoundError:
            return None

    def read_chunks(self, sha256: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from `start` up to (not including) `end`, in chunks."""
        with self._path(sha256).open("rb") as source:
            source.seek(start)
            remaining = None if end is None else max(0, end - start)
            while remaining is None or remaining > 0:
                chunk = source.read(CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def presigned_url(
        self, sha256: str, *, disposition: str, media_type: str, expires_seconds: int
    ) -> str | None:
        """Local files have no URL of their own (nginx's X-Accel-Redirect plays that part)."""
        return None

    def local_path(self, sha256: str) -> Path | None:
        """A file path for zero-copy serving."""
        file = self._file(sha256)
        return Path(file) if os.path.isfile(file) else None

    def delete(self, sha256: str) -> None:
        """Remove the blob if present."""
        self._path(sha256).unlink(missing_ok=True)

    def listing(self) -> Iterator[StoredBlob]:
        """Every blob file under `<root>/<sha[:2]>/`, with its modification time."""
        for folder in self._root.iterdir():
            if not folder.is_dir() or folder == self._tmp or len(folder.name) != 2:
                continue
            for entry in os.scandir(folder):
                if len(entry.name) != 64 or not entry.name.startswith(folder.name):
                    continue  # not a blob this driver wrote
                try:
                    modified = entry.stat().st_mtime
                except FileNotFoundError:  # deleted meanwhile
                    continue
                yield StoredBlob(sha256=entry.name, modified=modified)

    def clear(self) -> None:
        """Remove every blob (in-progress writes of other threads keep their temp files)."""
        for child in self._root.iterdir():
            if child.is_dir() and child != self._tmp:
                shutil.rmtree(child, ignore_errors=True)
