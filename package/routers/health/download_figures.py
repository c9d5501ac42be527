"""The figures of a download benchmark from its samples: one definition for `bench/` and the health domain.

A sample is one download: (seconds it took, bytes received, whether it succeeded). Latencies are of the
successful downloads only (a refused request answers fast and would flatter them); `errors` counts the others.
Throughput is the successful bytes over the wall time of the whole run, in MB/s (10^6 bytes).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from typing import NamedTuple

FIGURE_NAMES = (
    "downloads",
    "errors",
    "bytes",
    "seconds",
    "mean_ms",
    "median_ms",
    "p99_ms",
    "throughput_mb_s",
)


class Sample(NamedTuple):
    """One download as measured by the client."""

    seconds: float
    bytes: int
    ok: bool


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of values; 0.0 for none.

    Nearest rank never invents a value between two measured ones, so p99 of 100 downloads is the slowest but
    one, and of 10 downloads the slowest.
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarize(
    samples: Iterable[tuple[float, int, bool]], *, wall_seconds: float | None = None
) -> dict[str, float]:
    """Mean, median, p99 latency (ms), throughput (MB/s), errors, bytes and seconds of the samples.

    `wall_seconds` is how long the whole run took (concurrent downloads overlap); without it the downloads are
    taken as sequential and their times are added up.
    """
    taken = [Sample(float(s), int(b), bool(ok)) for s, b, ok in samples]
    good = [s for s in taken if s.ok]
    latencies_ms = [s.seconds * 1000 for s in good]
    wall = sum(s.seconds for s in taken) if wall_seconds is None else wall_seconds
    good_bytes = sum(s.bytes for s in good)
    return {
        "downloads": len(taken),
        "errors": len(taken) - len(good),
        "bytes": good_bytes,
        "seconds": round(wall, 6),
        "mean_ms": round(statistics.fmean(latencies_ms), 3) if latencies_ms else 0.0,
        "median_ms": round(statistics.median(latencies_ms), 3) if latencies_ms else 0.0,
        "p99_ms": round(percentile(latencies_ms, 0.99), 3),
        "throughput_mb_s": round(good_bytes / wall / 1e6, 3) if wall > 0 else 0.0,
    }
