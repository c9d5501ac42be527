"""Registered datasets and code a rating reads, kept per process by (artifact id, generation).

A generation names one capture of an artifact's source and changes with it, so what was read for a generation
stays true. Many models name the same few datasets and repositories; without this, each of their ratings would
read and decode the same snapshot again (the largest part of an uncached rating whose inputs are all local).
Deleting an artifact invalidates the ratings that read it; the records a rating starts from are read fresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from package.core.errors import NotFound
from package.core.storage import Storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactDetails, ArtifactRecord

T = TypeVar("T")
CAPACITY = 64  # entries per kind; each is one artifact's capture
MAX_README_CHARS = 200_000  # larger captures are read each time rather than kept
MAX_FILES = 5_000


class _Recent:
    """A small thread-safe least-recently-used map."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: OrderedDict[tuple[str, ...], object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> object | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: tuple[str, ...], value: object) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.capacity:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_details = _Recent(CAPACITY)
_derived = _Recent(CAPACITY)


def _small(details: ArtifactDetails) -> bool:
    return len(details.readme or "") <= MAX_README_CHARS and len(details.snapshot.files) <= MAX_FILES


def details(storage: Storage, record: ArtifactRecord) -> ArtifactDetails | None:
    """The captured details of this record's generation (None when the artifact is gone or hidden)."""
    key = (record.id, record.generation)
    kept = _details.get(key)
    if isinstance(kept, ArtifactDetails):
        return kept
    try:
        found = artifact_services.details(storage, record.id)
    except NotFound:  # deleted meanwhile
        return None
    if found.record.generation == record.generation and _small(found):
        _details.put(key, found)
    return found


def derived(
    storage: Storage, record: ArtifactRecord, kind: type[T], derive: Callable[[ArtifactDetails], T]
) -> T | None:
    """`derive(details)` of this record's generation, computed once per process (None when it is gone)."""
    key = (kind.__name__, record.id, record.generation)
    kept = _derived.get(key)
    if isinstance(kept, kind):
        return kept
    found = details(storage, record)
    if found is None:
        return None
    value = derive(found)
    if found.record.generation == record.generation and _small(found):
        _derived.put(key, value)
    return value


def clear() -> None:
    """Forget every kept capture (tests)."""
    _details.clear()
    _derived.clear()
