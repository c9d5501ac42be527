"""GET /artifact/model/{id}/lineage end to end against the fake hub."""

from __future__ import annotations

import re

import pytest

from tests.routers.lineage.conftest import edge_set, hf, lineage, node_ids

RESNET = "https://huggingface.co/microsoft/resnet-50"
GENDER = "https://huggingface.co/crangana/trained-gender"
ONNX = "https://huggingface.co/onnx-community/trained-gender-ONNX"
ID_PATTERN = re.compile(r"^[a-zA-Z0-9\-]+$")


class TestFixtureChain:
    """resnet-50 → trained-gender (finetune) → trained-gender-ONNX (conversion), registered in any order."""

    @pytest.fixture
    def chain(self, register):
        # Children first: the parents arrive later and must still link up.
        onnx = register(ONNX)
        gender = register(GENDER)
        resnet = register(RESNET)
        return resnet, gender, onnx

    @pytest.mark.parametrize("member", [0, 1, 2])
    def test_whole_chain_from_any_member(self, client, chain, member):
        resnet, gender, onnx = chain
        graph = lineage(client, chain[member])
        assert sorted(node_ids(graph)) == sorted([resnet, gender, onnx])
        assert node_ids(graph)[0] == chain[member]
        assert edge_set(graph) == {(resnet, gender, "base_model"), (gender, onnx, "base_model")}

    def test_nodes_carry_names_sources_and_relations(self, client, chain):
        resnet, gender, onnx = chain
        nodes = {n["artifact_id"]: n for n in lineage(client, gender)["nodes"]}
        assert nodes[gender]["source"] == "registry"
        assert nodes[resnet]["name"] == "resnet-50"
        assert nodes[resnet]["source"] == "model_card"
        assert nodes[onnx]["name"] == "trained-gender-ONNX"
        assert nodes[gender]["metadata"]["base_model_relation"] == "finetune"
        assert nodes[onnx]["metadata"]["base_model_relation"] == "quantized"
        assert nodes[resnet]["metadata"]["repository_url"] == RESNET

    def test_conversion_does_not_skip_to_grandparent(self, client, chain):
        # The ONNX export's config.json names microsoft/resnet-50 (`_name_or_path`), but its card names its
        # real parent: the card wins, so there is no direct resnet-50 → ONNX edge.
        resnet, _, onnx = chain
        assert (resnet, onnx, "base_model") not in edge_set(lineage(client, onnx))


class TestExternalNodes:
    def test_unregistered_parents_are_external_nodes(self, client, register):
        onnx = register(ONNX)
        graph = lineage(client, onnx)
        assert len(graph["nodes"]) == 2
        external = graph["nodes"][1]
        assert external["name"] == "crangana/trained-gender"
        assert external["artifact_id"].startswith("ext-model-")
        assert ID_PATTERN.match(external["artifact_id"])
        assert external["metadata"]["registered"] is False
        assert edge_set(graph) == {(external["artifact_id"], onnx, "base_model")}

    def test_external_ids_are_stable(self, client, register):
        onnx = register(ONNX)
        assert node_ids(lineage(client, onnx)) == node_ids(lineage(client, onnx))

    def test_parent_arriving_later_replaces_the_external_node(self, client, register):
        onnx = register(ONNX)
        assert lineage(client, onnx)["nodes"][1]["artifact_id"].startswith("ext-")
        gender = register(GENDER)
        graph = lineage(client, onnx)
        # trained-gender is registered now; its own parent (resnet-50) is still external.
        assert node_ids(graph)[:2] == [onnx, gender]
        assert [n["name"] for n in graph["nodes"][2:]] == ["microsoft/resnet-50"]
        assert (gender, onnx, "base_model") in edge_set(graph)

    def test_deleted_parent_turns_external_again(self, client, register):
        onnx = register(ONNX)
        gender = register(GENDER)
        assert client.delete(f"/artifacts/model/{gender}").status_code == 200
        graph = lineage(client, onnx)
        assert gender not in node_ids(graph)
        assert graph["nodes"][1]["name"] == "crangana/trained-gender"

    def test_model_without_lineage_is_a_lone_node(self, client, register):
        resnet = register(RESNET)
        graph = lineage(client, resnet)
        assert node_ids(graph) == [resnet]
        assert graph["edges"] == []

    def test_legacy_owner_less_ids_resolve(self, client, register):
        # The card names google-bert/bert-base-uncased; the model is registered under its old id.
        bert = register("https://huggingface.co/bert-base-uncased")
        child = register("https://huggingface.co/parvk11/audience_classifier_model")
        assert edge_set(lineage(client, child)) == {(bert, child, "base_model")}


class TestStructure:
    def test_cycle_and_self_reference_terminate(self, client, register, make_model):
        first = make_model("first")
        second = f"{first.rsplit('/', 1)[0]}/second"
        # first names second; second names first and itself.
        make_model("first", card_data={"base_model": second})
        make_model("second", card_data={"base_model": [first, second]})
        first_id = register(hf(first))
        second_id = register(hf(second))
        for start in (first_id, second_id):
            graph = lineage(client, start)
            assert sorted(node_ids(graph)) == sorted([first_id, second_id])
            assert edge_set(graph) == {
                (second_id, first_id, "base_model"),
                (first_id, second_id, "base_model"),
            }
        # Background ratings of the two settle: a changed score does not re-rate the cycle for ever.
        from package.routers.rating import services as rating_services

        assert rating_services.get_pipeline().wait_idle(timeout=10)
        for model_id in (first_id, second_id):
            assert client.get(f"/artifact/model/{model_id}/rate").status_code == 200

    def test_ancestry_is_followed_past_one_hop(self, client, register, make_model):
        root = make_model("root")
        middle = make_model("middle", card_data={"base_model": root, "base_model_relation": "finetune"})
        leaf = make_model("leaf", card_data={"base_model": middle, "base_model_relation": "adapter"})
        ids = [register(hf(repo)) for repo in (leaf, middle, root)]
        graph = lineage(client, ids[0])
        assert set(node_ids(graph)) == set(ids)
        assert len(graph["edges"]) == 2

    def test_merge_keeps_every_parent(self, client, register, make_model):
        left, right = make_model("left"), make_model("right")
        merged = make_model("merged", card_data={"base_model": [left, right], "base_model_relation": "merge"})
        left_id, right_id, merged_id = (register(hf(r)) for r in (left, right, merged))
        edges = edge_set(lineage(client, merged_id))
        assert edges == {(left_id, merged_id, "base_model"), (right_id, merged_id, "base_model")}

    def test_config_names_the_base_when_the_card_is_silent(self, client, register, make_model):
        base = make_model("base")
        child = make_model("child", config={"_name_or_path": base, "model_type": "bert"})
        base_id, child_id = register(hf(base)), register(hf(child))
        graph = lineage(client, child_id)
        assert edge_set(graph) == {(base_id, child_id, "base_model")}
        assert graph["nodes"][1]["source"] == "config_json"

    def test_config_local_folder_names_are_not_nodes(self, client, register, make_model):
        child = make_model("local-save", config={"_name_or_path": "output", "model_type": "bert"})
        graph = lineage(client, register(hf(child)))
        assert len(graph["nodes"]) == 1

    def test_adapter_config_names_the_base(self, client, register, make_model):
        base = make_model("adapter-base")
        adapter = make_model(
            "lora",
            files={"adapter_config.json": f'{{"base_model_name_or_path": "{base}", "r": 8}}'},
        )
        base_id, adapter_id = register(hf(base)), register(hf(adapter))
        graph = lineage(client, adapter_id)
        assert edge_set(graph) == {(base_id, adapter_id, "base_model")}
        assert graph["nodes"][0]["metadata"].get("base_model_relation") is None
        assert graph["nodes"][1]["source"] == "adapter_config_json"


class TestInclude:
    def test_datasets_and_code_only_when_asked(self, client, register):
        resnet = register(RESNET)
        imagenet = register("https://huggingface.co/datasets/ILSVRC/imagenet-1k", kind="dataset")
        gender = register(GENDER)
        assert imagenet not in node_ids(lineage(client, gender))
        graph = lineage(client, gender, include="datasets,code")
        names = {n["name"] for n in graph["nodes"]}
        assert "imagefolder" in names  # trained-gender's own, unregistered, dataset
        edges = edge_set(graph)
        assert (imagenet, resnet, "training_dataset") in edges
        assert any(rel == "fine_tuning_dataset" and to == gender for _, to, rel in edges)

    def test_code_links(self, client, register, make_model):
        model = make_model("coded", readme="# coded\n\nTrained with https://github.com/acme/gpl-tool.\n")
        code = register("https://github.com/acme/gpl-tool", kind="code")
        model_id = register(hf(model))
        assert edge_set(lineage(client, model_id, include="code")) == {(code, model_id, "code_repository")}

    def test_unknown_include_is_400(self, client, register):
        response = client.get(f"/artifact/model/{register(RESNET)}/lineage", params={"include": "weights"})
        assert response.status_code == 400
        assert "weights" in response.json()["message"]


class TestErrors:
    def test_unknown_id_is_404(self, client):
        assert client.get("/artifact/model/does-not-exist-123/lineage").status_code == 404

    def test_dataset_id_is_404(self, client, register):
        dataset = register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset")
        assert client.get(f"/artifact/model/{dataset}/lineage").status_code == 404

    def test_malformed_id_is_400(self, client):
        assert client.get("/artifact/model/bad_id!/lineage").status_code == 400

    def test_malformed_metadata_is_400(self, client, register, make_model):
        broken = make_model("broken-config", files={"config.json": "{not json", "model.safetensors": (64, 2)})
        response = client.get(f"/artifact/model/{register(hf(broken))}/lineage")
        assert response.status_code == 400
        assert "config.json" in response.json()["message"]

    def test_malformed_config_is_ignored_when_the_card_speaks(self, client, register, make_model):
        base = make_model("card-base")
        child = make_model("card-child", card_data={"base_model": base}, files={"config.json": "{not json"})
        base_id, child_id = register(hf(base)), register(hf(child))
        assert edge_set(lineage(client, child_id)) == {(base_id, child_id, "base_model")}
