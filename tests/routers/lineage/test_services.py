"""The lineage services other domains call (rating's tree_score): parents, ancestors, descendants."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from package.core.errors import BadRequest, NotFound
from package.core.storage import get_storage
from package.routers.lineage import services as lineage_services
from tests.conftest import CHEAP_PASSWORD_HASHING, login
from tests.routers.lineage.conftest import hf, lineage, node_ids


@pytest.fixture
def family(register, make_model):
    """grand ← parent ← child, and parent ← sibling."""
    grand = make_model("grand")
    parent = make_model("parent", card_data={"base_model": grand})
    child = make_model("child", card_data={"base_model": parent})
    sibling = make_model("sibling", tags=[f"base_model:adapter:{parent}"])
    return {
        name: register(hf(repo)) for name, repo in locals().items() if name not in {"register", "make_model"}
    }


class TestWalks:
    def test_parent_ids(self, family):
        storage = get_storage()
        assert lineage_services.parent_ids(storage, family["child"]) == [family["parent"]]
        assert lineage_services.parent_ids(storage, family["grand"]) == []

    def test_ancestor_ids_nearest_first(self, family):
        ancestors = lineage_services.ancestor_ids(get_storage(), family["child"])
        assert ancestors == [family["parent"], family["grand"]]

    def test_descendant_ids(self, family):
        descendants = lineage_services.descendant_ids(get_storage(), family["grand"])
        assert descendants[0] == family["parent"]
        assert set(descendants) == {family["parent"], family["child"], family["sibling"]}

    def test_siblings_are_not_lineage(self, client, family):
        assert family["sibling"] not in node_ids(lineage(client, family["child"]))

    def test_non_model_has_no_parents(self, register):
        dataset = register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset")
        assert lineage_services.parent_ids(get_storage(), dataset) == []

    def test_unknown_and_malformed_ids(self, client):
        with pytest.raises(NotFound):
            lineage_services.ancestor_ids(get_storage(), "no-such-id")
        with pytest.raises(BadRequest):
            lineage_services.parent_ids(get_storage(), "bad id")


class TestFreshness:
    def test_registrations_from_a_process_without_lineage_are_seen(
        self, registry_env, make_model, monkeypatch
    ):
        # Another container (auth and artifacts only) registers; no lineage hook runs there.
        from main import create_app

        for name, value in CHEAP_PASSWORD_HASHING.items():
            monkeypatch.setenv(name, value)
        base = make_model("other-base")
        child = make_model("other-child", card_data={"base_model": base})
        with TestClient(create_app(["auth", "artifacts"])) as artifacts_only:
            artifacts_only.headers["X-Authorization"] = login(artifacts_only)
            ids = []
            for repo in (child, base):
                response = artifacts_only.post("/artifact/model", json={"url": hf(repo)})
                assert response.status_code == 201, response.text
                ids.append(response.json()["metadata"]["id"])
        assert lineage_services.parent_ids(get_storage(), ids[0]) == [ids[1]]

    def test_update_relinks(self, client, register, make_model):
        first, second = make_model("first-base"), make_model("second-base")
        make_model("moving", card_data={"base_model": first})
        moved = make_model("moved", card_data={"base_model": second})
        first_id, second_id = register(hf(first)), register(hf(second))
        child = register(hf(moved.replace("/moved", "/moving")), name="moving")
        assert lineage_services.parent_ids(get_storage(), child) == [first_id]
        body = {"metadata": {"id": child, "name": "moving", "type": "model"}, "data": {"url": hf(moved)}}
        assert client.put(f"/artifacts/model/{child}", json=body).status_code == 200
        assert lineage_services.parent_ids(get_storage(), child) == [second_id]

    def test_reset_forgets_everything(self, client, family):
        assert client.delete("/reset").status_code == 200
        with pytest.raises(NotFound):
            lineage_services.parent_ids(get_storage(), family["child"])
