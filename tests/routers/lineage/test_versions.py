"""Lineage and cost per version: `?version=N` answers from what version N named and weighed; retention,
delete and reset let those entries go; on both storage drivers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.config import clear_settings_caches
from package.core.storage import get_storage
from tests.aws import aws_registry, moto_server
from tests.routers.lineage.conftest import MakeModel, edge_set, hf, lineage

__all__ = ["aws_registry", "moto_server"]
MB = 1024 * 1024


@pytest.fixture(params=["local", "aws"])
def api(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The registry on each storage driver (metadata only: no files are copied, no rating runs)."""
    chosen: TestClient = request.getfixturevalue("client" if request.param == "local" else "aws_registry")
    monkeypatch.setenv("REGISTRY_MIRROR", "off")  # after the fixture's environment is set, read on next use
    monkeypatch.setenv("REGISTRY_RATE_ON_INGEST", "false")
    clear_settings_caches()
    return chosen


@pytest.fixture
def chain(make_model: MakeModel) -> dict[str, str]:
    """Two base models and two fine-tunes, one of each base, of different sizes (Hub repo ids)."""
    first_base = make_model("first-base", files={"model.safetensors": (2 * MB, 1)})
    second_base = make_model("second-base", files={"model.safetensors": (3 * MB, 2)})
    return {
        "first_base": first_base,
        "second_base": second_base,
        "old": make_model(
            "tuned", card_data={"base_model": first_base}, files={"model.safetensors": (MB, 3)}
        ),
        "new": make_model(
            "tuned-v2", card_data={"base_model": second_base}, files={"model.safetensors": (4 * MB, 4)}
        ),
    }


def register(api: TestClient, repo: str) -> str:
    response = api.post("/artifact/model", json={"url": hf(repo)})
    assert response.status_code == 201, response.text
    artifact_id: str = response.json()["metadata"]["id"]
    return artifact_id


def put(api: TestClient, artifact_id: str, repo: str) -> None:
    meta = api.get(f"/artifacts/model/{artifact_id}").json()["metadata"]
    response = api.put(f"/artifacts/model/{artifact_id}", json={"metadata": meta, "data": {"url": hf(repo)}})
    assert response.status_code == 200, response.text


def cost(api: TestClient, artifact_id: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/artifact/model/{artifact_id}/cost", params={"dependency": "true"} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def kept_entries(artifact_id: str) -> list[str]:
    return [r.sk for r in get_storage().records.query(f"LINEAGEVERSION#{artifact_id}")]


def test_an_earlier_version_has_its_own_lineage_and_cost(api: TestClient, chain: dict[str, str]):
    first_base, second_base = register(api, chain["first_base"]), register(api, chain["second_base"])
    tuned = register(api, chain["old"])
    before_graph, before_cost = lineage(api, tuned), cost(api, tuned)
    put(api, tuned, chain["new"])
    assert edge_set(lineage(api, tuned)) == {(second_base, tuned, "base_model")}
    assert edge_set(lineage(api, tuned, version="1")) == {(first_base, tuned, "base_model")}
    assert lineage(api, tuned, version="1") == before_graph
    assert lineage(api, tuned, version="2") == lineage(api, tuned)
    assert cost(api, tuned, version="1") == before_cost
    near = pytest.approx  # each repo's README and config add a few kB to its weights
    assert before_cost[tuned] == {"standalone_cost": near(1.0, abs=0.01), "total_cost": near(3.0, abs=0.01)}
    assert cost(api, tuned)[tuned] == {
        "standalone_cost": near(4.0, abs=0.01),
        "total_cost": near(7.0, abs=0.01),
    }
    own = before_cost[tuned]["standalone_cost"]
    alone = api.get(f"/artifact/model/{tuned}/cost", params={"version": 1}).json()
    assert alone == {tuned: {"standalone_cost": own, "total_cost": own}}
    node = next(n for n in lineage(api, tuned, version="1")["nodes"] if n["artifact_id"] == tuned)
    assert node["metadata"]["repository_url"] == hf(chain["old"])


def test_unknown_let_go_and_malformed_versions(
    api: TestClient, chain: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("REGISTRY_VERSIONS_KEPT", "1")
    clear_settings_caches()
    tuned = register(api, chain["old"])
    put(api, tuned, chain["new"])
    put(api, tuned, chain["old"])
    versions = api.get(f"/artifact/model/{tuned}/versions").json()
    assert kept_entries(tuned) == [versions[1]["generation"]]
    for path in ("lineage", "cost"):
        gone = api.get(f"/artifact/model/{tuned}/{path}", params={"version": 1})
        assert gone.status_code == 404 and "REGISTRY_VERSIONS_KEPT=1" in gone.json()["message"]
        assert api.get(f"/artifact/model/{tuned}/{path}", params={"version": 2}).status_code == 200
        missing = api.get(f"/artifact/model/{tuned}/{path}", params={"version": 9})
        assert missing.status_code == 404 and "no version 9" in missing.json()["message"]
        assert api.get(f"/artifact/model/{tuned}/{path}", params={"version": "x"}).status_code == 400


def test_delete_and_reset_remove_every_kept_entry(api: TestClient, chain: dict[str, str]):
    tuned = register(api, chain["old"])
    put(api, tuned, chain["new"])
    assert len(kept_entries(tuned)) == 1
    assert api.delete(f"/artifacts/model/{tuned}").status_code == 200
    assert kept_entries(tuned) == []
    other = register(api, chain["new"])
    put(api, other, chain["old"])
    assert len(kept_entries(other)) == 1
    assert api.delete("/reset").status_code == 200
    assert kept_entries(other) == []


def test_a_version_replaced_before_entries_were_kept_says_so(api: TestClient, chain: dict[str, str]):
    tuned = register(api, chain["old"])
    put(api, tuned, chain["new"])
    for generation in kept_entries(tuned):  # as a database written before this feature holds it
        get_storage().records.delete(f"LINEAGEVERSION#{tuned}", generation)
    response = api.get(f"/artifact/model/{tuned}/lineage", params={"version": 1})
    assert response.status_code == 404 and response.json()["error"] == "version_lineage_not_kept"
