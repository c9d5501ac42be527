"""The activity of a trailing window: every process's stored minutes merged with this process's live ones."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from package.core.storage import Storage, StorageError
from package.routers.health import database
from package.routers.health.activity import ActivityRecorder, MinuteTally

MAX_TIMELINE_POINTS = 60


@dataclass
class WindowActivity:
    """Request activity of the minutes `first`..`last` (epoch minutes, inclusive), all processes merged."""

    first: int
    last: int
    minutes: dict[int, MinuteTally] = field(default_factory=dict)
    processes: set[str] = field(default_factory=set)
    error: str | None = None

    @property
    def length(self) -> int:
        """Minutes in the window."""
        return self.last - self.first + 1

    def combined(self) -> MinuteTally:
        """Every minute of the window added up."""
        total = MinuteTally()
        for tally in self.minutes.values():
            total.merge(tally)
        return total

    def series(self, value_of: Callable[[Iterable[MinuteTally]], float]) -> list[tuple[int, float]]:
        """(bucket start minute, value) samples: at most MAX_TIMELINE_POINTS buckets spanning the window."""
        step = timeline_step(self.length)
        samples = []
        for start in range(self.first, self.last + 1, step):
            end = min(start + step - 1, self.last)
            tallies = [self.minutes[m] for m in range(start, end + 1) if m in self.minutes]
            samples.append((start, value_of(tallies) / (end - start + 1)))
        return samples


def timeline_step(window_minutes: int) -> int:
    """Minutes per timeline bucket, so a window yields at most MAX_TIMELINE_POINTS buckets."""
    return max(1, math.ceil(window_minutes / MAX_TIMELINE_POINTS))


def collect_window(
    storage: Storage, recorder: ActivityRecorder | None, *, first: int, last: int
) -> WindowActivity:
    """Merge stored minutes of every process with this process's in-memory minutes (which are never older)."""
    window = WindowActivity(first=first, last=last)
    own = recorder.own_minutes(first, last) if recorder is not None else {}
    try:
        stored = database.read_minutes(storage, first, last)
    except (StorageError, OSError) as exc:
        window.error = str(exc) or type(exc).__name__
        stored = []
    for item in stored:
        if recorder is not None and item.process == recorder.process and item.minute in own:
            continue  # this process's live counts include (and supersede) what it stored
        window.minutes.setdefault(item.minute, MinuteTally()).merge(MinuteTally.from_item(item.tally))
        window.processes.add(item.process)
    for minute, tally in own.items():
        window.minutes.setdefault(minute, MinuteTally()).merge(tally)
        if recorder is not None:
            window.processes.add(recorder.process)
    return window
