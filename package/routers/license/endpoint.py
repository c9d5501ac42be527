"""HTTP routes of the license domain: the spec's license check, and licenses explained for people."""

from __future__ import annotations

from fastapi import APIRouter

from package.core.auth_middleware import CanSearch
from package.core.errors import Forbidden, UpstreamError, documented
from package.core.storage import Store
from package.routers.artifacts.dependencies import CurrentArtifact, Registry, RegistryDep
from package.routers.artifacts.errors import ArtifactNotFound
from package.routers.license import services
from package.routers.license.config import LicenseSettings, LicenseSettingsDep
from package.routers.license.errors import GitHubProjectNotFound, NotAGitHubRepository
from package.routers.license.interface import ArtifactLicense, LicenseCheckReport, SimpleLicenseCheckRequest

router = APIRouter(tags=["license"])
CHECK_ERRORS = documented(
    NotAGitHubRepository, Forbidden, ArtifactNotFound, GitHubProjectNotFound, UpstreamError
)


@router.post(
    "/artifact/model/{id}/license-check",
    response_model=bool,
    responses=CHECK_ERRORS,
    summary="Assess license compatibility for fine-tune and inference usage. (BASELINE)",
)
def license_check(
    id: str, body: SimpleLicenseCheckRequest, _: CanSearch, ctx: RegistryDep, own: LicenseSettingsDep
) -> bool:
    """True when the model may be fine-tuned with the project's code and used for inference or generation."""
    return _check(id, body, ctx, own).compatible


@router.post(
    "/artifact/model/{id}/license-report",
    response_model=LicenseCheckReport,
    responses=CHECK_ERRORS,
    summary="The license check explained: both licenses normalised, the verdict and its reason.",
)
def license_report(
    id: str, body: SimpleLicenseCheckRequest, _: CanSearch, ctx: RegistryDep, own: LicenseSettingsDep
) -> LicenseCheckReport:
    """The same decision as `license-check`, with the normalised licenses and the reason."""
    return _check(id, body, ctx, own)


def _check(
    model_id: str, body: SimpleLicenseCheckRequest, ctx: Registry, own: LicenseSettings
) -> LicenseCheckReport:
    return services.check(
        ctx.storage,
        ctx.upstreams,
        ctx.settings,
        model_id=model_id,
        github_url=body.github_url,
        license_settings=own,
    )


@router.get(
    "/artifact/{artifact_type}/{id}/license",
    response_model=ArtifactLicense,
    responses=documented(NotAGitHubRepository, Forbidden, ArtifactNotFound, GitHubProjectNotFound),
    summary="An artifact's license, normalised to its SPDX id where one exists.",
)
def artifact_license(storage: Store, _: CanSearch, artifact: CurrentArtifact) -> ArtifactLicense:
    """The license the artifact's card, tags or repository declare, normalised and categorised."""
    return services.license_of(storage, artifact)
