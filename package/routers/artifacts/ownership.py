"""Who may change or delete an artifact: the user who registered it, or an admin."""

from __future__ import annotations

import logging

from package.core.auth_middleware import Principal
from package.core.errors import Forbidden
from package.routers.artifacts.interface import ArtifactRecord

logger = logging.getLogger("registry.artifacts")


class ArtifactNotOwned(Forbidden):
    """A caller who neither registered the artifact nor is an admin tried to change or delete it."""

    code = "not_owner"


def require_owner(record: ArtifactRecord, principal: Principal, *, action: str) -> None:
    """ArtifactNotOwned (403) unless the caller registered the artifact or is an admin (refusals logged)."""
    if principal.is_admin or principal.name == record.created_by:
        return
    logger.warning(
        "artifact change refused: not the owner",
        extra={"artifact_id": record.id, "by": principal.name, "owner": record.created_by, "action": action},
    )
    raise ArtifactNotOwned(
        f"Only the artifact's owner ({record.created_by!r}) or an admin may {action} artifact {record.id}."
    )
