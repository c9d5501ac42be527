"""Storage of the text index's stop-trigrams and of the epoch that makes them safe across resets.

Item layout (partition key / sort key), next to those search_db.py describes:
  TRISTOP / <trigram>      a stop-trigram: one that most texts hold, no longer posted and never required
  TRISTOPSET / v           {"epoch": <random>}: the stop set's epoch, created on first use; a reset clears
                           it with everything else, so the next use after it (any process) makes a new one

A registration that leaves stop-trigrams out of its postings reads the epoch before the set and puts a Check
of that epoch in the transaction storing its texts: a reset in between (which removes the set, so queries
require those trigrams again) makes the write fail instead of storing a text that a search would then miss.
The counts a process keeps toward new stop-trigrams belong to one epoch too: after a reset by any process,
the texts counted before it no longer count.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from package.core.storage import Check, ConditionFailed, Record, Storage

STOP = "TRISTOP"
EPOCH = ("TRISTOPSET", "v")


@dataclass
class Sample:
    """This process's count, in one epoch, of the texts it posted and of the texts holding each trigram."""

    epoch: str
    texts: int = 0
    holding: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, trigrams: set[str], *, sample_size: int, share: float) -> set[str]:
        """Count one text's trigrams; returns those of them that more than `share` of the sampled texts
        hold, once `sample_size` texts are counted."""
        with self.lock:
            self.texts += 1
            self.holding.update(trigrams)
            if self.texts < sample_size:
                return set()
            bar = share * self.texts
            return {t for t in trigrams if self.holding[t] > bar}


_samples: weakref.WeakKeyDictionary[Any, Sample] = weakref.WeakKeyDictionary()  # by record store
_samples_lock = threading.Lock()


def sample(storage: Storage, epoch: str) -> Sample:
    """This process's counts for the epoch (a fresh count when the epoch changed: a reset happened)."""
    with _samples_lock:
        found = _samples.get(storage.records)
        if found is None or found.epoch != epoch:
            found = _samples[storage.records] = Sample(epoch)
        return found


def forget_sample(storage: Storage) -> None:
    """Drop this process's counts (after its own reset; other processes drop theirs on the new epoch)."""
    with _samples_lock:
        _samples.pop(storage.records, None)


def epoch(storage: Storage) -> str:
    """The stop set's current epoch (created on first use after a start or a reset)."""
    item = storage.records.get(*EPOCH)
    if item is not None:
        return str(item["epoch"])
    fresh = secrets.token_hex(8)
    try:
        storage.records.put(*EPOCH, {"epoch": fresh}, if_absent=True)
        return fresh
    except ConditionFailed:  # another writer created it first
        item = storage.records.get(*EPOCH)
        return str(item["epoch"]) if item is not None else fresh


def stored_epoch(storage: Storage) -> str | None:
    """The epoch as stored now, without creating one (None right after a reset)."""
    item = storage.records.get(*EPOCH)
    return None if item is None else str(item["epoch"])


def epoch_check(at: str) -> Check:
    """A transaction Check that no reset happened since the epoch `at` was read."""
    return Check(*EPOCH, equals={"epoch": at})


def stop_trigrams(storage: Storage) -> set[str]:
    """The trigrams that are no longer posted (nor required by a query)."""
    return {r.sk for r in storage.records.query(STOP)}


def add_stop_trigrams(storage: Storage, trigrams: set[str]) -> None:
    """Store new stop-trigrams (before any text skips them, so every query from now on drops them)."""
    storage.records.put_many([Record(STOP, t, {}) for t in sorted(trigrams)])
