"""`GET /health/components` for everyone: cached for a few seconds, and without internals unless admin.

A full report reads every activity bucket of the window and probes storage (tens of milliseconds of CPU),
so reports are reused for REPORT_TTL_SECONDS and computed by one request at a time. Callers without an
admin token see each component's id, name and status only: descriptions, metrics, issues and log links
name the data directory, upstream URLs, process ids and per-route failures, which help an attacker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from package.routers.health.interface import HealthComponentCollection, HealthComponentDetail

REPORT_TTL_SECONDS = 5.0
_lock = threading.Lock()
_cache: dict[tuple[object, ...], tuple[float, HealthComponentCollection]] = {}


def cached_report(
    key: tuple[object, ...], compute: Callable[[], HealthComponentCollection], *, now: float | None = None
) -> HealthComponentCollection:
    """The report for `key` computed at most once per REPORT_TTL_SECONDS (one computation at a time)."""
    with _lock:  # a burst waits for one computation instead of running it N times
        current = time.monotonic() if now is None else now
        hit = _cache.get(key)
        if hit is not None and current - hit[0] < REPORT_TTL_SECONDS:
            return hit[1]
        report = compute()
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = (current, report)
        return report


def forget_reports() -> None:
    """Drop cached reports (tests, and after a reset)."""
    with _lock:
        _cache.clear()


def redacted(report: HealthComponentCollection) -> HealthComponentCollection:
    """The report as the public sees it: the spec's required fields and each component's status."""
    return HealthComponentCollection(
        components=[
            HealthComponentDetail(
                id=c.id, display_name=c.display_name, status=c.status, observed_at=c.observed_at
            )
            for c in report.components
        ],
        generated_at=report.generated_at,
        window_minutes=report.window_minutes,
    )
