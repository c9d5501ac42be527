"""Seconds per operation: wall and this thread's CPU time (p50, p99, max) of repeated calls.

Shared by the search benchmarks: bench/search_scale.py, bench/search_http.py, bench/filter_scale.py and
bench/safety_names.py.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(operation: Callable[[], object], repeats: int) -> dict[str, float]:
    """Wall and CPU seconds (p50, p99, max) of `repeats` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.thread_time()
        operation()
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - cpu_started)
    return summary(wall, cpu)


def summary(wall: list[float], cpu: list[float]) -> dict[str, float]:
    """p50, p99 and max of wall times, and p50 and p99 of the CPU time this thread spent.

    On a shared machine the wall p99 is mostly time spent waiting for a core; the CPU percentiles show what
    an operation costs, whatever else runs.
    """
    figures: dict[str, float] = {"count": len(wall)}
    for label, values in (("", sorted(wall)), ("cpu_", sorted(cpu))):
        p99 = values[min(len(values) - 1, max(0, round(0.99 * len(values)) - 1))]
        figures |= {f"{label}p50": statistics.median(values), f"{label}p99": p99, f"{label}max": values[-1]}
    return figures
