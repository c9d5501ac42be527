"""A stored "this index is complete at version N" mark, and running an index's one-time backfill under it.

A domain that keeps an index beside its records (a catalog, a log's by-user index, a text index) writes the
mark once every stored record is filed: after a backfill, or after a reset that left nothing to file. A
process remembers the stores it found marked (`ready`), so the common case costs no read. Backfills are
idempotent and safe beside each other, so two processes that find the mark missing at once both run theirs
and both mark; a store whose mark is missing or older is simply backfilled again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from package.core.storage import Record, Storage


@dataclass(frozen=True)
class IndexMark:
    """The mark at (`pk`, `sk`): {"version": N}; complete when N is at least `version`.

    `remember=False`: read the mark on every `is_current` (an index whose readers must see a mark removed
    by another process at once)."""

    pk: str
    sk: str
    version: int
    remember: bool = True
    ready: weakref.WeakSet[Any] = field(default_factory=weakref.WeakSet, compare=False, repr=False)

    def stored_version(self, storage: Storage) -> int:
        """The version the store is marked at (0: never marked)."""
        item = storage.records.get(self.pk, self.sk)
        return 0 if item is None else int(item.get("version") or 0)

    def is_current(self, storage: Storage) -> bool:
        """Whether the store's index is complete (remembered once seen, so later calls read nothing)."""
        return self._current(storage)[0]

    def _current(self, storage: Storage) -> tuple[bool, int]:
        if storage.records in self.ready:
            return True, self.version
        stored = self.stored_version(storage)
        if stored < self.version:
            return False, stored
        if self.remember:
            self.ready.add(storage.records)
        return True, stored

    def mark(self, storage: Storage) -> None:
        """Record that every stored record is filed (after a backfill, or a reset that left none)."""
        storage.records.put(self.pk, self.sk, {"version": self.version})
        if self.remember:
            self.ready.add(storage.records)

    def forget(self, storage: Storage) -> None:
        """Read the mark again on next use, as a new process would (e.g. after an upgrade, or in tests)."""
        self.ready.discard(storage.records)

    def ensure(self, storage: Storage, backfill: Callable[[Storage, int], int]) -> int:
        """Run `backfill(storage, stored version)` when the store is not marked current, then mark it;
        returns what the backfill returned (how many it filed), 0 when it was current."""
        current, stored = self._current(storage)
        if current:
            return 0
        filed = backfill(storage, stored)
        self.mark(storage)
        return filed


def file_partition(
    storage: Storage, partition: str, file: Callable[[list[Record]], int], *, read: int, batch: int
) -> int:
    """A backfill's loop: every item of a partition, `read` at a time, handed to `file` in batches of at
    most `batch` (one transaction each); returns the sum of what `file` answered (how many it filed)."""
    filed = 0
    after: str | None = None
    while page := storage.records.query_page(partition, after=after, limit=read):
        after = page[-1].sk
        for start in range(0, len(page), batch):
            filed += file(page[start : start + batch])
    return filed
