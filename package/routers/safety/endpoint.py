"""HTTP routes of the safety domain: an artifact's safety report, and an admin's approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from package.core.auth_middleware import CanAdminister, CanSearch
from package.core.errors import BadRequest, Forbidden, documented
from package.core.storage import Store
from package.routers.artifacts.errors import ArtifactNotFound
from package.routers.artifacts.interface import ArtifactType
from package.routers.safety import services
from package.routers.safety.interface import ApproveRequest, SafetyReport

router = APIRouter(tags=["safety"])

ERRORS = documented(BadRequest, Forbidden, ArtifactNotFound)


@router.get(
    "/artifact/{artifact_type}/{id}/safety",
    response_model=SafetyReport,
    responses=ERRORS,
    summary="Safety verdict of this artifact: every file's scan and every finding.",
)
def safety_report(artifact_type: ArtifactType, id: str, storage: Store, _: CanSearch) -> SafetyReport:
    """safe, suspicious, dangerous or unscanned, with each finding's file, kind and detail."""
    return services.report(storage, artifact_type=artifact_type, artifact_id=id)


@router.post(
    "/artifact/{artifact_type}/{id}/safety/approve",
    response_model=SafetyReport,
    responses=ERRORS,
    summary="Let a dangerous artifact be downloaded under REGISTRY_SAFETY_POLICY=block (admin; audited).",
)
def approve(
    artifact_type: ArtifactType,
    id: str,
    storage: Store,
    user: CanAdminister,
    body: Annotated[ApproveRequest | None, Body()] = None,
) -> SafetyReport:
    """Record the approval of the artifact's current source; a new source needs a new approval."""
    return services.approve(
        storage,
        artifact_type=artifact_type,
        artifact_id=id,
        principal=user,
        reason=body.reason if body else None,
    )
