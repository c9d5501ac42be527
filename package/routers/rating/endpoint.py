"""HTTP routes of the rating domain: thin wrappers over `services`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from package.core.auth_middleware import CanSearch
from package.core.config import SettingsDep
from package.core.errors import BadRequest, Forbidden, documented
from package.core.storage import Store
from package.core.upstream.clients import UpstreamsDep
from package.routers.artifacts.errors import ArtifactNotFound, VersionNotFound
from package.routers.rating import services
from package.routers.rating.errors import NotAModel, RatingFailed, VersionNotRated
from package.routers.rating.interface import ModelRating, RatingReport

router = APIRouter(tags=["rating"])

_ERRORS = documented(
    BadRequest, NotAModel, Forbidden, ArtifactNotFound, VersionNotFound, VersionNotRated, RatingFailed
)
# Beyond the spec, optional: absent, the current version is rated exactly as the spec says.
Version = Annotated[
    int | None,
    Query(ge=1, description="An earlier version's stored rating (`GET /artifact/model/{id}/versions`)."),
]


@router.get(
    "/artifact/model/{id}/rate",
    response_model=ModelRating,
    responses=_ERRORS,
    summary="Get ratings for this model artifact. (BASELINE)",
)
def rate(
    id: str,
    storage: Store,
    upstreams: UpstreamsDep,
    settings: SettingsDep,
    user: CanSearch,
    version: Version = None,
) -> ModelRating:
    """The model's twelve scores and the seconds each took (from the cache when current)."""
    return services.rate_model(storage, upstreams, settings, artifact_id=id, principal=user, version=version)


@router.get(
    "/artifact/model/{id}/rate/details",
    response_model=RatingReport,
    responses=_ERRORS,
    summary="Why the model is rated as it is: every metric's reason and the inputs it read.",
)
def rating_details(
    id: str,
    storage: Store,
    upstreams: UpstreamsDep,
    settings: SettingsDep,
    _: CanSearch,
    version: Version = None,
) -> RatingReport:
    """The model's rating with each metric's reason, weight and latency (beyond the spec)."""
    return services.rating_report(storage, upstreams, settings, artifact_id=id, version=version)
