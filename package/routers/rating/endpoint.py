"""HTTP routes of the rating domain: thin wrappers over `services`."""

from __future__ import annotations

from fastapi import APIRouter

from package.core.auth_middleware import CanSearch
from package.core.config import SettingsDep
from package.core.errors import BadRequest, Forbidden, documented
from package.core.storage import Store
from package.core.upstream.clients import UpstreamsDep
from package.routers.artifacts.errors import ArtifactNotFound
from package.routers.rating import services
from package.routers.rating.errors import NotAModel, RatingFailed
from package.routers.rating.interface import ModelRating, RatingReport

router = APIRouter(tags=["rating"])

_ERRORS = documented(BadRequest, NotAModel, Forbidden, ArtifactNotFound, RatingFailed)


@router.get(
    "/artifact/model/{id}/rate",
    response_model=ModelRating,
    responses=_ERRORS,
    summary="Get ratings for this model artifact. (BASELINE)",
)
def rate(
    id: str, storage: Store, upstreams: UpstreamsDep, settings: SettingsDep, user: CanSearch
) -> ModelRating:
    """The model's twelve scores and the seconds each took (from the cache when current)."""
    return services.rate_model(storage, upstreams, settings, artifact_id=id, principal=user)


@router.get(
    "/artifact/model/{id}/rate/details",
    response_model=RatingReport,
    responses=_ERRORS,
    summary="Why the model is rated as it is: every metric's reason and the inputs it read.",
)
def rating_details(
    id: str, storage: Store, upstreams: UpstreamsDep, settings: SettingsDep, _: CanSearch
) -> RatingReport:
    """The model's rating with each metric's reason, weight and latency (beyond the spec)."""
    return services.rating_report(storage, upstreams, settings, artifact_id=id)
