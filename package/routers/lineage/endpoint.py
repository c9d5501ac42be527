"""HTTP routes of the lineage domain: a model's lineage graph and any artifact's cost."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from package.core.auth_middleware import CanSearch
from package.core.errors import BadRequest, Forbidden, documented
from package.core.storage import Store
from package.routers.artifacts.dependencies import CurrentModel
from package.routers.artifacts.errors import ArtifactNotFound, VersionNotFound
from package.routers.artifacts.interface import ArtifactType
from package.routers.lineage import services
from package.routers.lineage.errors import LineageUnavailable, VersionLineageNotKept
from package.routers.lineage.interface import ArtifactCost, ArtifactLineageGraph

router = APIRouter(tags=["lineage"])
ERRORS = documented(
    BadRequest, LineageUnavailable, Forbidden, ArtifactNotFound, VersionNotFound, VersionLineageNotKept
)
# Beyond the spec, optional: absent, the current version is answered exactly as the spec says.
Version = Annotated[
    int | None,
    Query(ge=1, description="An earlier version, as it named its dependencies (`.../versions` lists them)."),
]


@router.get(
    "/artifact/model/{id}/lineage",
    response_model=ArtifactLineageGraph,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Retrieve the lineage graph for this artifact. (BASELINE)",
)
def get_lineage(
    storage: Store,
    _: CanSearch,
    model: CurrentModel,
    include: Annotated[
        str | None,
        Query(
            description="Comma-separated extra node kinds: `datasets`, `code` (the default graph: models).",
        ),
    ] = None,
    version: Version = None,
) -> ArtifactLineageGraph:
    """The model, its whole registered and upstream ancestry and its registered descendants."""
    return services.model_lineage(storage, model, include=services.parse_include(include), version=version)


@router.get(
    "/artifact/{artifact_type}/{id}/cost",
    response_model=ArtifactCost,
    responses=ERRORS,
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
    version: Version = None,
) -> ArtifactCost:
    """Download size in MB (bytes / 1024²): `standalone_cost` and `total_cost` per artifact."""
    return services.cost(
        storage,
        artifact_type=artifact_type,
        artifact_id=id,
        dependency=dependency,
        include=services.parse_include(include),
        version=version,
    )
