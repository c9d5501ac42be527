"""The rating pipeline's status, read through the rating domain's public `services.pipeline_stats()`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from package.routers.rating import services as rating_services

logger = logging.getLogger("registry.health")


@dataclass(frozen=True)
class RatingView:
    """The pipeline's figures (the rating domain's `RatingPipelineStats`), or why there are none."""

    queue_depth: int | None = None
    running: int | None = None
    recent_failures: int | None = None
    last_error: str | None = None
    last_rated_at: str | None = None
    completed: int | None = None
    unavailable: str | None = None


def rating_view(*, served_here: bool) -> RatingView:
    """The rating pipeline's figures in this process, or why they are not available (never guessed)."""
    if not served_here:
        return RatingView(
            unavailable="The rating pipeline runs in another process (REGISTRY_DOMAINS of this one excludes "
            "rating); its queue is only visible there. The rating domain's error rate is reported separately."
        )
    try:
        stats = rating_services.pipeline_stats()
    except Exception as exc:  # the figures are unknown, not zero
        logger.warning("rating pipeline figures unavailable: %s", exc)
        return RatingView(unavailable=f"The rating pipeline's figures could not be read: {exc}")
    return RatingView(
        queue_depth=stats.queue_depth,
        running=stats.running,
        recent_failures=stats.recent_failures,
        last_error=stats.last_error,
        last_rated_at=stats.last_rated_at,
        completed=stats.completed,
    )
