"""The health domain's public face: liveness and the tracks this registry implements."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

from package.routers.health.interface import Liveness, Track, TracksResponse

_STARTED = time.monotonic()


def service_version() -> str:
    """The installed package version, or the source tree's."""
    try:
        return version("trustworthy-model-registry")
    except PackageNotFoundError:
        return "0.1.0"


def liveness() -> Liveness:
    """A cheap answer that the process serves requests."""
    return Liveness(status="ok", version=service_version(), uptime_seconds=int(time.monotonic() - _STARTED))


def planned_tracks() -> TracksResponse:
    """We plan every track of the spec."""
    return TracksResponse(plannedTracks=list(Track))
