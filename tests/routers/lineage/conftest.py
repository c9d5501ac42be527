"""Helpers of the lineage tests: register artifacts through the API, make throw-away Hub repos."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakehub import FakeHub

MakeModel = Callable[..., str]


@pytest.fixture
def make_model(hub: FakeHub) -> MakeModel:
    """Add a model with a unique id to the fake hub (card data and files as given); returns its repo id."""
    prefix = f"lin{uuid.uuid4().hex[:8]}"

    def run(name: str, **options: Any) -> str:
        repo_id = f"{prefix}/{name}"
        options.setdefault("files", {"model.safetensors": (4096, 1)})
        hub.add_model(repo_id, **options)
        return repo_id

    return run


def hf(repo_id: str) -> str:
    """The Hugging Face URL of a model repo."""
    return f"https://huggingface.co/{repo_id}"


def lineage(client: TestClient, artifact_id: str, **params: str) -> dict[str, Any]:
    """GET the lineage graph (asserting 200)."""
    response = client.get(f"/artifact/model/{artifact_id}/lineage", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def edge_set(graph: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The graph's edges as (from, to, relationship)."""
    return {(e["from_node_artifact_id"], e["to_node_artifact_id"], e["relationship"]) for e in graph["edges"]}


def node_ids(graph: dict[str, Any]) -> list[str]:
    """The graph's node ids in order."""
    return [n["artifact_id"] for n in graph["nodes"]]
