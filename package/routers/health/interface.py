"""Pydantic models of the health domain."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Track(StrEnum):
    """The spec's tracks."""

    PERFORMANCE = "Performance track"
    ACCESS_CONTROL = "Access control track"
    HIGH_ASSURANCE = "High assurance track"
    OTHER_SECURITY = "Other Security track"


class TracksResponse(BaseModel):
    """Body of `GET /tracks`."""

    plannedTracks: list[Track]  # noqa: N815 - the spec's field name


class Liveness(BaseModel):
    """Body of `GET /health`."""

    status: str
    version: str
    uptime_seconds: int
