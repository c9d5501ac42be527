"""The two small storage interfaces every driver implements: records and blobs.

Records are JSON objects addressed by a partition key and a sort key, exactly as a DynamoDB table
(`pk` hash key, `sk` range key) holds them: a domain reads one item, or one partition in sort-key order.
Blobs are immutable byte strings addressed by their sha256.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

Item = dict[str, Any]


class StorageError(Exception):
    """A storage driver failed (disk, database, network)."""


class ConditionFailed(StorageError):
    """A conditional write found the item in a state it did not expect."""


@dataclass(frozen=True)
class Record:
    """One stored item with its keys."""

    pk: str
    sk: str
    item: Item


@dataclass(frozen=True)
class Put:
    """Write an item; with `if_absent`, only when no item has these keys."""

    pk: str
    sk: str
    item: Item
    if_absent: bool = False


@dataclass(frozen=True)
class Delete:
    """Remove an item if present."""

    pk: str
    sk: str


@dataclass(frozen=True)
class Check:
    """Make a transaction fail unless the item exists (or, with `exists=False`, does not).

    With `equals`, the item must also hold these field values (a DynamoDB condition expression).
    """

    pk: str
    sk: str
    exists: bool = True
    equals: Item | None = None


Operation = Put | Delete | Check


class RecordStore(Protocol):
    """Items by (partition key, sort key); single-item reads and one-partition queries only."""

    def get(self, pk: str, sk: str) -> Item | None:
        """The item at these keys, or None."""
        ...

    def put(self, pk: str, sk: str, item: Item, *, if_absent: bool = False) -> None:
        """Write one item; raises ConditionFailed when `if_absent` and it exists."""
        ...

    def delete(self, pk: str, sk: str) -> None:
        """Remove one item if present."""
        ...

    def query(self, pk: str, *, prefix: str = "") -> list[Record]:
        """Every item of one partition whose sort key starts with `prefix`, in sort-key order."""
        ...

    def query_page(self, pk: str, *, prefix: str = "", after: str | None = None, limit: int) -> list[Record]:
        """Up to `limit` items of a partition whose sort key starts with `prefix` and sorts after `after`."""
        ...

    def key_page(self, pk: str, *, after: str | None = None, limit: int) -> list[str]:
        """`query_page`'s sort keys alone (no prefix): what a scan of index entries needs, for less."""
        ...

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """The items at these (pk, sk) keys, by key; absent keys are left out."""
        ...

    def put_many(self, items: Sequence[Record]) -> None:
        """Write many unconditional items (not atomic as a whole: each write is)."""
        ...

    def delete_many(self, keys: Sequence[tuple[str, str]]) -> None:
        """Remove many items if present (not atomic as a whole: each delete is)."""
        ...

    def transact(self, operations: Sequence[Operation]) -> None:
        """Apply all operations or none; raises ConditionFailed when a condition does not hold."""
        ...

    @property
    def transaction_limit(self) -> int:
        """The most operations a batching writer should put in one `transact` (DynamoDB takes 100 items; a
        SQLite transaction holds the one write lock while it lasts)."""
        ...

    def increment(self, pk: str, sk: str, field_name: str, amount: int = 1) -> int:
        """Atomically add to a numeric field (creating the item) and return the new value."""
        ...

    def clear(self) -> None:
        """Remove every item."""
        ...


def key_pages(records: RecordStore, pk: str, *, limit: int) -> Iterator[list[str]]:
    """Every sort key of a partition, in order, `limit` at a time (`key_page` read on until it runs out)."""
    after: str | None = None
    while page := records.key_page(pk, after=after, limit=limit):
        yield page
        after = page[-1]


@dataclass(frozen=True)
class BlobInfo:
    """A stored blob's address and size."""

    sha256: str
    size: int


@dataclass(frozen=True)
class StoredBlob:
    """A blob found by listing the store: its address and when it was last written (epoch seconds)."""

    sha256: str
    modified: float


@dataclass
class BlobWriter:
    """Bytes written so far to a blob being created; `BlobStore.writer` commits or discards it."""

    sink: BinaryIO
    hasher: Any
    size: int = 0
    info: BlobInfo | None = field(default=None)

    def write(self, chunk: bytes) -> None:
        """Append a chunk."""
        self.sink.write(chunk)
        self.hasher.update(chunk)
        self.size += len(chunk)


class BlobStore(Protocol):
    """Immutable content-addressed byte strings."""

    def writer(self) -> AbstractContextManager[BlobWriter]:
        """A writer whose blob exists only if the block ends without error; then `writer.info` is set."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        ...

    def size(self, sha256: str) -> int | None:
        """The blob's size, or None when absent."""
        ...

    def read_chunks(self, sha256: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from `start` up to (not including) `end`, in chunks."""
        ...

    def local_path(self, sha256: str) -> Path | None:
        """A file path for zero-copy serving, when the driver keeps blobs as local files."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the blob if present."""
        ...

    def listing(self) -> Iterator[StoredBlob]:
        """Every stored blob (in no particular order), for sweeping the ones nothing references."""
        ...

    def clear(self) -> None:
        """Remove every blob."""
        ...

    def presigned_url(
        self, sha256: str, *, disposition: str, media_type: str, expires_seconds: int
    ) -> str | None:
        """A short-lived URL that serves the blob itself (Range, ETag) without credentials, when the driver
        can make one; the response carries these Content-Disposition and Content-Type headers."""
        ...


@dataclass(frozen=True)
class Storage:
    """The records and blobs a process works with.

    `local`: both live on this machine (SQLite, files), so a read takes microseconds and needs no network:
    fit for an event loop's hot path (a download's decision). A read can still wait for a free pooled
    connection while every one is lent. False for network stores (AWS)."""

    records: RecordStore
    blobs: BlobStore
    description: str
    local: bool = False
