"""Pydantic models of the lineage domain: the spec's lineage graph and cost shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel


class LineageModel(BaseModel):
    """Base of the lineage domain's shapes."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ModelRefs(LineageModel):
    """What a model names upstream, lower-case: datasets, code repositories (`owner/name`) and parents."""

    model_config = ConfigDict(frozen=True)

    dataset_refs: tuple[str, ...]
    code_refs: tuple[str, ...]
    parent_refs: tuple[str, ...]
    owner: str | None
    model_name: str


class LineageInclude(StrEnum):
    """Node kinds a lineage query can add to the default, models-only graph."""

    DATASETS = "datasets"
    CODE = "code"


class ArtifactLineageNode(LineageModel):
    """One node: a registered artifact (its id) or an upstream thing not registered (a stable external id)."""

    artifact_id: str = Field(description="The artifact's id, or `ext-...` for an unregistered upstream.")
    name: str = Field(description="The artifact's name, or the upstream repository id.")
    source: str = Field(
        description="How the node was found: `registry` (the queried artifact), `model_card`, `hub_tags`, "
        "`config_json`, `adapter_config_json`, `code_link`."
    )
    metadata: dict[str, Any] = Field(default_factory=dict)


class ArtifactLineageEdge(LineageModel):
    """A directed edge from the upstream node to the downstream one."""

    from_node_artifact_id: str
    to_node_artifact_id: str
    relationship: str = Field(
        description="`base_model`, `fine_tuning_dataset`, `training_dataset` or `code_repository`."
    )


class ArtifactLineageGraph(LineageModel):
    """The lineage graph of a model: never null lists, the queried model always a node."""

    nodes: list[ArtifactLineageNode] = Field(default_factory=list)
    edges: list[ArtifactLineageEdge] = Field(default_factory=list)


class ArtifactCostEntry(LineageModel):
    """One artifact's cost in MB (bytes / 1024²)."""

    standalone_cost: float = Field(description="The artifact's own files, in MB.")
    total_cost: float = Field(description="The artifact and every registered dependency, each once, in MB.")


class ArtifactCost(RootModel[dict[str, ArtifactCostEntry]]):
    """The spec's cost map: artifact id → its costs (the queried artifact, then its dependencies)."""
