"""Which stored ratings to rate again in the background because the upstream facts they read have expired.

A rating is stored until its model (or something it reads in the registry) changes; the GitHub facts it
read expire after `REGISTRY_RATING_UPSTREAM_CACHE_SECONDS`. When such a rating is read after that, it is
answered as stored and rated again in the background from fresh facts (or, while GitHub cannot answer, from
the cached ones, and then not again before the next expiry): at most one refresh per model and
`MAX_RUNNING` per process at a time, and only when read, so idle ratings cost nothing.
"""

from __future__ import annotations

import datetime as dt
import threading

from package.routers.rating.interface import RatingReport

MAX_RUNNING = 4
_running: set[str] = set()
_lock = threading.Lock()


def due(report: RatingReport, max_age_seconds: float, *, now: dt.datetime | None = None) -> bool:
    """Whether a stored rating read GitHub facts (not registered code) older than `max_age_seconds`."""
    if report.inputs.code_repository is None or report.inputs.code_ids:
        return False
    try:
        rated = dt.datetime.fromisoformat(report.rated_at.replace("Z", "+00:00"))
    except ValueError:
        return True
    if rated.tzinfo is None:
        rated = rated.replace(tzinfo=dt.UTC)
    return ((now or dt.datetime.now(dt.UTC)) - rated).total_seconds() > max_age_seconds


def claim(artifact_id: str) -> bool:
    """Reserve the model's refresh; False when one is under way or too many are."""
    with _lock:
        if artifact_id in _running or len(_running) >= MAX_RUNNING:
            return False
        _running.add(artifact_id)
        return True


def release(artifact_id: str) -> None:
    """The model's refresh is over."""
    with _lock:
        _running.discard(artifact_id)


def running() -> set[str]:
    """The models being refreshed now (for tests and stats)."""
    with _lock:
        return set(_running)
