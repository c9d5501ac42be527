"""HTTP routes of the license domain: the spec's license check, and licenses explained for people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from package.core.auth_middleware import CanSearch
from package.core.storage import Store
from package.core.web import error_responses
from package.routers.artifacts.dependencies import CurrentArtifact, Registry, RegistryDep
from package.routers.license import services
from package.routers.license.interface import ArtifactLicense, LicenseCheckReport, SimpleLicenseCheckRequest

router = APIRouter(tags=["license"])


ERRORS = {
    400: "The request is malformed or the URL is not a GitHub repository.",
    403: "Authentication failed.",
    404: "The artifact or GitHub project could not be found.",
    502: "External license information could not be retrieved.",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(ERRORS, *codes)


@router.post(
    "/artifact/model/{id}/license-check",
    response_model=bool,
    responses=_errors(400, 403, 404, 502),
    summary="Assess license compatibility for fine-tune and inference usage. (BASELINE)",
)
def license_check(id: str, body: SimpleLicenseCheckRequest, _: CanSearch, ctx: RegistryDep) -> bool:
    """True when the model may be fine-tuned with the project's code and used for inference or generation."""
    return _check(id, body, ctx).compatible


@router.post(
    "/artifact/model/{id}/license-report",
    response_model=LicenseCheckReport,
    responses=_errors(400, 403, 404, 502),
    summary="The license check explained: both licenses normalised, the verdict and its reason.",
)
def license_report(
    id: str, body: SimpleLicenseCheckRequest, _: CanSearch, ctx: RegistryDep
) -> LicenseCheckReport:
    """The same decision as `license-check`, with the normalised licenses and the reason."""
    return _check(id, body, ctx)


def _check(model_id: str, body: SimpleLicenseCheckRequest, ctx: Registry) -> LicenseCheckReport:
    return services.check(
        ctx.storage, ctx.upstreams, ctx.settings, model_id=model_id, github_url=body.github_url
    )


@router.get(
    "/artifact/{artifact_type}/{id}/license",
    response_model=ArtifactLicense,
    responses=_errors(400, 403, 404),
    summary="An artifact's license, normalised to its SPDX id where one exists.",
)
def artifact_license(storage: Store, _: CanSearch, artifact: CurrentArtifact) -> ArtifactLicense:
    """The license the artifact's card, tags or repository declare, normalised and categorised."""
    return services.license_of(storage, artifact)
