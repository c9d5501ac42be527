"""HTTP routes of the health domain."""

from __future__ import annotations

from fastapi import APIRouter

from package.routers.health import services
from package.routers.health.interface import Liveness, TracksResponse

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Liveness, summary="Heartbeat check (BASELINE)")
def health() -> Liveness:
    """Liveness: 200 while the API serves requests."""
    return services.liveness()


@router.get(
    "/tracks",
    response_model=TracksResponse,
    summary="Get the list of tracks a student has planned to implement in their code",
)
def tracks() -> TracksResponse:
    """The tracks this registry implements."""
    return services.planned_tracks()
