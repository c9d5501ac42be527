"""What the registry captures of an upstream repository at ingest, once, for every domain to use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from package.core.upstream.sources import SourceKind, SourceRef

README_MAX_BYTES = 256 * 1024  # a DynamoDB item holds 400 KB
SMALL_JSON_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class RemoteFile:
    """One file of the upstream repository (path relative to the artifact's root)."""

    path: str
    size: int
    sha256: str | None = None
    etag: str | None = None


@dataclass
class Snapshot:
    """An upstream repository's metadata as captured at ingest."""

    source: SourceRef
    page_url: str
    revision: str | None = None
    readme: str | None = None
    license: str | None = None
    tags: list[str] = field(default_factory=list)
    card_data: dict[str, Any] = field(default_factory=dict)
    files: list[RemoteFile] = field(default_factory=list)
    gated: str | None = None
    linked: dict[str, list[str]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    reference_only: bool = False

    @property
    def total_bytes(self) -> int:
        """Sum of the file sizes in the manifest."""
        return sum(f.size for f in self.files)

    def to_item(self) -> dict[str, Any]:
        """A JSON-ready dict of everything captured."""
        item = asdict(self)
        item["source"] = {
            "kind": self.source.kind.value,
            "repo_id": self.source.repo_id,
            "revision": self.source.revision,
            "subpath": self.source.subpath,
        }
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Snapshot:
        """Rebuild a snapshot stored with `to_item`."""
        data = dict(item)
        src = data.pop("source")
        data["files"] = [RemoteFile(**f) for f in data.get("files", [])]
        source = SourceRef(
            SourceKind(src["kind"]), src["repo_id"], src.get("revision"), src.get("subpath", "")
        )
        return cls(source=source, **data)


FileStream = AbstractContextManager[Iterator[bytes]]


class SourceAdapter(Protocol):
    """Reads one kind of upstream: metadata once at ingest, file bytes on demand."""

    def snapshot(self, ref: SourceRef) -> Snapshot:
        """Fetch the repository's metadata, README and file manifest."""
        ...

    def open_file(self, snapshot: Snapshot, path: str) -> FileStream:
        """Stream one file's bytes from upstream."""
        ...

    def iter_files(self, snapshot: Snapshot) -> Iterator[tuple[RemoteFile, FileStream]]:
        """Every file of the manifest with a stream of its bytes, in manifest order."""
        ...
