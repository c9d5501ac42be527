"""Resume background work left in storage (mirror copies, ratings), sweep orphan blobs, and wait for it:
the AWS template's scheduled Lambda (`worker.handler`), or `python -m worker` from cron on any deployment."""

from __future__ import annotations

import logging
import time
from typing import Any

from main import create_app
from package.core.config import get_settings
from package.core.logging import configure_logging
from package.core.storage import get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.mirror import get_mirror_queue
from package.routers.artifacts.sweep import sweep_orphan_blobs
from package.routers.rating import services as rating_services

logger = logging.getLogger("registry.worker")
SAFETY_SECONDS = 30.0  # stop waiting this long before Lambda's own time-out, so the run can report


def run(timeout_seconds: float) -> dict[str, Any]:
    """Queue every unfinished job found in storage, then wait up to `timeout_seconds` for them."""
    settings = get_settings()
    configure_logging(settings.log_level)
    create_app()  # every domain's event hooks, as in the API: a rating published may re-rate others
    started = time.monotonic()
    swept = sweep_orphan_blobs(get_storage()).swept  # blobs a killed delete or ingest left
    mirrors = artifact_services.resume_mirrors(get_storage(), settings)
    ratings = rating_services.resume_background()
    left = max(0.0, timeout_seconds - (time.monotonic() - started))
    finished = get_mirror_queue().wait_idle(left)
    left = max(0.0, timeout_seconds - (time.monotonic() - started))
    finished = rating_services.wait_background(left) and finished
    summary = {"mirrors": mirrors, "ratings": ratings, "swept": swept, "finished": finished}
    logger.info("background work resumed", extra=summary)
    return summary


def handler(event: object, context: Any) -> dict[str, Any]:
    """Lambda entry point (EventBridge schedule): run within the invocation's remaining time."""
    remaining_ms = context.get_remaining_time_in_millis() if context is not None else 900_000
    return run(max(1.0, remaining_ms / 1000 - SAFETY_SECONDS))


if __name__ == "__main__":
    print(run(3600.0))
