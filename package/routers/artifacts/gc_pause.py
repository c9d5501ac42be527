"""Pausing Python's cyclic garbage collector while a search builds many short-lived objects.

A many-match regex search (`bert` at 100,000 artifacts: 16,627 matches) allocates a few objects per match
(decoded documents, their keys, the answer's models); the allocations trigger collections that walk every
object the process holds, which took a third of the search's CPU time. The objects are freed by reference
counting either way; only reference cycles wait for the collector, which resumes when the last search in
the process ends (searches are bounded by REGISTRY_REGEX_DEADLINE_MS, so a pause is too).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Pauses:
    """How many pauses are under way in this process, and whether the collector ran before the first."""

    count: int = 0
    was_enabled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_pauses = _Pauses()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; overlapping pauses (threads) resume it at the last end,
    and only if it was on before the first began."""
    with _pauses.lock:
        if _pauses.count == 0:
            _pauses.was_enabled = gc.isenabled()
            gc.disable()
        _pauses.count += 1
    try:
        yield
    finally:
        with _pauses.lock:
            _pauses.count -= 1
            if _pauses.count == 0 and _pauses.was_enabled:
                gc.enable()
