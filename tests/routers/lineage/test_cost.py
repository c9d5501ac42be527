"""GET /artifact/{type}/{id}/cost: sizes from the ingest's manifest, dependencies from the lineage closure."""

from __future__ import annotations

from typing import Any

import pytest
from huggingface_hub import HfApi

from tests.routers.lineage.conftest import hf

MB = 1024 * 1024


def upstream_mb(hub, repo_id: str, repo_type: str = "model") -> float:
    """The repo's total file size as the fake hub reports it (an oracle independent of the registry)."""
    api = HfApi(endpoint=hub.hf_url)
    if repo_type == "dataset":
        siblings = api.dataset_info(repo_id, files_metadata=True).siblings
    else:
        siblings = api.model_info(repo_id, files_metadata=True).siblings
    return sum(int(s.size or 0) for s in siblings or []) / MB


def cost(client, artifact_id: str, kind: str = "model", **params: str) -> dict[str, Any]:
    response = client.get(f"/artifact/{kind}/{artifact_id}/cost", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def diamond(register, make_model):
    """base ← left, base ← right, {left, right} ← top (a merge): base must be counted once."""
    base = make_model("base", files={"model.safetensors": (3 * MB, 1)})
    left = make_model("left", card_data={"base_model": base}, files={"model.safetensors": (2 * MB, 2)})
    right = make_model("right", card_data={"base_model": base}, files={"model.safetensors": (MB, 3)})
    top = make_model(
        "top",
        card_data={"base_model": [left, right], "base_model_relation": "merge"},
        files={"model.safetensors": (MB // 2, 4)},
    )
    repos = {"base": base, "left": left, "right": right, "top": top}
    return {name: register(hf(repo)) for name, repo in repos.items()}, repos


class TestStandalone:
    def test_without_dependency_both_fields_are_the_own_size(self, client, hub, diamond):
        ids, repos = diamond
        body = cost(client, ids["top"])
        assert list(body) == [ids["top"]]
        expected = upstream_mb(hub, repos["top"])
        assert body[ids["top"]]["standalone_cost"] == pytest.approx(expected, abs=1e-6)
        assert body[ids["top"]]["total_cost"] == body[ids["top"]]["standalone_cost"]
        assert client.get(f"/artifact/model/{ids['top']}/cost?dependency=false").json() == body

    @pytest.mark.parametrize(
        ("kind", "url", "repo_type", "repo_id"),
        [
            ("dataset", "https://huggingface.co/datasets/rajpurkar/squad", "dataset", "rajpurkar/squad"),
            ("model", "https://huggingface.co/microsoft/resnet-50", "model", "microsoft/resnet-50"),
        ],
    )
    def test_models_and_datasets(self, client, hub, register, kind, url, repo_type, repo_id):
        artifact_id = register(url, kind=kind)
        body = cost(client, artifact_id, kind=kind, dependency="true")
        assert body[artifact_id]["standalone_cost"] == pytest.approx(
            upstream_mb(hub, repo_id, repo_type), abs=1e-6
        )

    def test_code(self, client, register):
        code = register("https://github.com/acme/gpl-tool", kind="code")
        body = cost(client, code, kind="code")
        assert 0 < body[code]["standalone_cost"] < 1
        assert body[code]["total_cost"] == body[code]["standalone_cost"]


class TestDependencies:
    def test_diamond_counts_shared_ancestor_once(self, client, diamond):
        ids, _ = diamond
        body = cost(client, ids["top"], dependency="true")
        assert set(body) == set(ids.values())
        own = {name: body[i]["standalone_cost"] for name, i in ids.items()}
        assert own["base"] == pytest.approx(3, abs=0.01)
        assert body[ids["top"]]["total_cost"] == pytest.approx(sum(own.values()), abs=1e-5)
        assert body[ids["left"]]["total_cost"] == pytest.approx(own["left"] + own["base"], abs=1e-5)
        assert body[ids["right"]]["total_cost"] == pytest.approx(own["right"] + own["base"], abs=1e-5)
        assert body[ids["base"]]["total_cost"] == own["base"]

    def test_leaf_dependency_is_only_itself(self, client, diamond):
        ids, _ = diamond
        body = cost(client, ids["base"], dependency="true")
        assert list(body) == [ids["base"]]

    def test_fixture_chain(self, client, register):
        onnx = register("https://huggingface.co/onnx-community/trained-gender-ONNX")
        gender = register("https://huggingface.co/crangana/trained-gender")
        resnet = register("https://huggingface.co/microsoft/resnet-50")
        body = cost(client, onnx, dependency="true")
        assert list(body) == [onnx, gender, resnet]
        total = sum(entry["standalone_cost"] for entry in body.values())
        assert body[onnx]["total_cost"] == pytest.approx(total, abs=1e-5)

    def test_datasets_join_only_when_included(self, client, register):
        resnet = register("https://huggingface.co/microsoft/resnet-50")
        imagenet = register("https://huggingface.co/datasets/ILSVRC/imagenet-1k", kind="dataset")
        assert imagenet not in cost(client, resnet, dependency="true")
        body = cost(client, resnet, dependency="true", include="datasets")
        assert set(body) == {resnet, imagenet}
        assert body[resnet]["total_cost"] == pytest.approx(
            body[resnet]["standalone_cost"] + body[imagenet]["standalone_cost"], abs=1e-5
        )


class TestErrors:
    def test_unknown_id_is_404(self, client):
        assert client.get("/artifact/model/nope-404/cost").status_code == 404

    def test_wrong_type_is_404(self, client, register):
        resnet = register("https://huggingface.co/microsoft/resnet-50")
        assert client.get(f"/artifact/dataset/{resnet}/cost").status_code == 404

    @pytest.mark.parametrize(
        "path",
        [
            "/artifact/weights/abc/cost",
            "/artifact/model/bad_id!/cost",
            "/artifact/model/abc/cost?dependency=maybe",
        ],
    )
    def test_malformed_is_400(self, client, path):
        assert client.get(path).status_code == 400
