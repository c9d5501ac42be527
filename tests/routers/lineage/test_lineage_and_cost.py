"""lineage_and_cost: the graph and the cost a page shows, from one read of the catalogue."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from package.core.storage import get_storage
from package.routers.artifacts.interface import ArtifactType
from package.routers.lineage import services
from package.routers.lineage.references import RefKind


def test_matches_the_separate_lineage_and_cost_calls(client: TestClient, register: Callable[..., str]):
    base = register("https://huggingface.co/microsoft/resnet-50")
    tuned = register("https://huggingface.co/crangana/trained-gender")
    storage = get_storage()
    include = frozenset({RefKind.MODEL})
    graph, cost = services.lineage_and_cost(
        storage, artifact_type=ArtifactType.MODEL, artifact_id=tuned, include=include
    )
    assert graph == services.lineage(storage, model_id=tuned, include=include)
    expected = services.cost(storage, artifact_type=ArtifactType.MODEL, artifact_id=tuned, dependency=True)
    assert cost == expected and base in cost.root


def test_a_dataset_has_a_cost_but_no_graph(client: TestClient, register: Callable[..., str]):
    squad = register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset")
    graph, cost = services.lineage_and_cost(
        get_storage(),
        artifact_type=ArtifactType.DATASET,
        artifact_id=squad,
        include=frozenset({RefKind.MODEL}),
    )
    assert graph is None and cost.root[squad].standalone_cost > 0
