"""HTTP routes of the lineage domain: a model's lineage graph and any artifact's cost."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from package.core.auth_middleware import CanSearch
from package.core.storage import Store
from package.core.web import error_responses
from package.routers.artifacts.interface import ArtifactType
from package.routers.lineage import services
from package.routers.lineage.interface import ArtifactCost, ArtifactLineageGraph

router = APIRouter(tags=["lineage"])


ERRORS = {
    400: "Malformed id or query, or the artifact's metadata is missing or malformed.",
    403: "Authentication failed.",
    404: "Artifact does not exist.",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(ERRORS, *codes)


@router.get(
    "/artifact/model/{id}/lineage",
    response_model=ArtifactLineageGraph,
    response_model_exclude_none=True,
    responses=_errors(400, 403, 404),
    summary="Retrieve the lineage graph for this artifact. (BASELINE)",
)
def get_lineage(
    id: str,
    storage: Store,
    _: CanSearch,
    include: Annotated[
        str | None,
        Query(
            description="Comma-separated extra node kinds: `datasets`, `code` (the default graph: models).",
        ),
    ] = None,
) -> ArtifactLineageGraph:
    """The model, its whole registered and upstream ancestry and its registered descendants."""
    return services.lineage(storage, model_id=id, include=services.parse_include(include))


@router.get(
    "/artifact/{artifact_type}/{id}/cost",
    response_model=ArtifactCost,
    responses=_errors(400, 403, 404),
    summary="Get the cost of an artifact (BASELINE)",
)
def get_cost(
    artifact_type: ArtifactType,
    id: str,
    storage: Store,
    _: CanSearch,
    dependency: Annotated[
        bool, Query(description="Add every registered dependency in the lineage closure, each once.")
    ] = False,
    include: Annotated[
        str | None,
        Query(description="Comma-separated dependency kinds besides base models: `datasets`, `code`."),
    ] = None,
) -> ArtifactCost:
    """Download size in MB (bytes / 1024²): `standalone_cost` and `total_cost` per artifact."""
    return services.cost(
        storage,
        artifact_type=artifact_type,
        artifact_id=id,
        dependency=dependency,
        include=services.parse_include(include),
    )
