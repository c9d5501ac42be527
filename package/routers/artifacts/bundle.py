"""Zip bundles of an artifact's files: stored entries (no recompression of weights), streamed."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from package.core.errors import UpstreamError
from package.core.upstream.paths import is_safe_relative_path

ZIP64_THRESHOLD = 0xFFFF_FFFF - 1024 * 1024
# A fixed entry date makes a bundle's bytes (and so its sha256 and ETag) depend on its content alone.
ENTRY_DATE = (1980, 1, 1, 0, 0, 0)
BundleEntry = tuple[str, int, Iterable[bytes]]


class UnsafeEntryName(UpstreamError):
    """An upstream file name that would leave the folder a zip is extracted to (`..`, `/abs`, CR/LF, NUL)."""

    code = "unsafe_file_name"


class _Sink:
    """A write-only, non-seekable file for zipfile: it collects bytes for the caller to drain."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        return None

    def drain(self) -> Iterator[bytes]:
        parts, self._parts = self._parts, []
        yield from parts


def stream_zip(entries: Iterable[BundleEntry]) -> Iterator[bytes]:
    """Zip bytes for (path, size, chunks) entries, produced as the entries' chunks arrive."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:  # type: ignore[call-overload]
        for path, size, chunks in entries:
            if not is_safe_relative_path(path):  # adapters drop such names; never write one into a zip
                raise UnsafeEntryName(f"Refusing to bundle a file named {path[:200]!r}.")
            info = zipfile.ZipInfo(path, date_time=ENTRY_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=size > ZIP64_THRESHOLD) as member:
                for chunk in chunks:
                    member.write(chunk)
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()
