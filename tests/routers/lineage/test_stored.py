"""The stored catalog: the same answers as a catalog of the whole registry, from the rows it touches only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.storage import Storage, get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactType
from package.routers.lineage import database, graph, stored
from package.routers.lineage import services as lineage_services
from package.routers.lineage.catalog import Catalog, compute_item
from package.routers.lineage.references import RefKind
from tests.routers.lineage.conftest import MakeModel, hf

ALL_KINDS = frozenset({RefKind.MODEL, RefKind.DATASET, RefKind.CODE})


def whole_catalog(storage: Storage) -> Catalog:
    """The reference answer: every published record and its entry computed afresh, in memory."""
    records = artifact_services.all_records(storage)
    items = {r.id: compute_item(r, artifact_services.details(storage, r.id).snapshot) for r in records}
    return Catalog(records, items)


def assert_same_answers(storage: Storage) -> None:
    """Every model's walks, graph and cost agree between the stored catalog and the whole one."""
    whole = whole_catalog(storage)
    for record in artifact_services.all_records(storage):
        lazy = stored.load(storage)
        if record.type is ArtifactType.MODEL:
            assert lazy.parents(record.id) == whole.parents(record.id)
            assert lazy.children(record.id) == whole.children(record.id)
            assert lazy.walk(record.id, lazy.children) == whole.walk(record.id, whole.children)
            assert graph.lineage_graph(lazy, record.id, ALL_KINDS) == graph.lineage_graph(
                whole, record.id, ALL_KINDS
            )
        assert graph.cost_map(lazy, record.id, kinds=ALL_KINDS) == graph.cost_map(
            whole, record.id, kinds=ALL_KINDS
        )


@pytest.fixture
def forest(register: Any, make_model: MakeModel) -> dict[str, str]:
    """Two families, an owner-less reference, a dataset and a cycle."""
    root = make_model("root")
    ids = {"root": register(hf(root))}
    mid = make_model("mid", card_data={"base_model": root, "datasets": ["rajpurkar/squad"]})
    ids["mid"] = register(hf(mid))
    ids["leaf"] = register(hf(make_model("leaf", tags=[f"base_model:adapter:{mid}"])))
    ids["legacy"] = register(hf(make_model("legacy", config={"_name_or_path": "root"})))
    loop_a, loop_b = make_model("loop-a", card_data={"base_model": "x/none"}), ""
    ids["loop_a"] = register(hf(loop_a))
    loop_b = make_model("loop-b", card_data={"base_model": loop_a})
    ids["loop_b"] = register(hf(loop_b))
    ids["squad"] = register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset")
    return ids


def test_answers_match_the_whole_registry(forest: dict[str, str]) -> None:
    assert_same_answers(get_storage())


def test_children_come_from_the_reference_rows(forest: dict[str, str]) -> None:
    storage = get_storage()
    assert database.lookup(
        storage,
        database.REF,
        "model",
        artifact_services.details(storage, forest["root"]).record.repo_id.lower(),
    ) == [forest["mid"]]
    descendants = lineage_services.descendant_ids(storage, forest["root"])
    assert descendants[:2] == [forest["mid"], forest["legacy"]] and forest["leaf"] in descendants


def test_update_and_delete_keep_the_rows_in_step(
    client: TestClient, forest: dict[str, str], make_model: MakeModel
) -> None:
    storage = get_storage()
    other = make_model("other")
    other_id = client.post("/artifact/model", json={"url": hf(other)}).json()["metadata"]["id"]
    leaf = client.get(f"/artifacts/model/{forest['leaf']}").json()
    moved = make_model("leaf2", card_data={"base_model": other})
    body = {"metadata": leaf["metadata"], "data": {"url": hf(moved)}}
    assert client.put(f"/artifacts/model/{forest['leaf']}", json=body).status_code == 200
    assert lineage_services.parent_ids(storage, forest["leaf"]) == [other_id]
    assert forest["leaf"] not in lineage_services.descendant_ids(storage, forest["mid"])
    assert client.delete(f"/artifacts/model/{forest['mid']}").status_code == 200
    assert lineage_services.descendant_ids(storage, forest["root"]) == [forest["legacy"]]
    rows = [r.sk for p in (database.KEY, database.REF) for r in storage.records.query(p)]
    assert not any(sk.endswith(f"|{forest['mid']}") for sk in rows)
    assert_same_answers(storage)


def test_a_database_without_rows_is_indexed_once(forest: dict[str, str]) -> None:
    storage = get_storage()
    for partition in (database.KEY, database.NAME, database.LABEL, database.OWNER, database.REF):
        for row in storage.records.query(partition):
            storage.records.delete(partition, row.sk)
    storage.records.delete(database.VERSION_PK, database.VERSION_SK)
    stored.ensure_index(storage)  # this process saw the index complete already: nothing to do
    assert storage.records.query(database.REF) == []
    stored._checked.discard(storage)  # as a new process starting on this database
    descendants = lineage_services.descendant_ids(storage, forest["root"])
    assert descendants[:2] == [forest["mid"], forest["legacy"]]
    assert database.index_version(storage) == stored.INDEX_VERSION
    assert_same_answers(storage)


ROW_PARTITIONS = (database.LINEAGE, database.KEY, database.NAME, database.LABEL, database.OWNER, database.REF)


def test_the_batched_backfill_writes_what_the_hooks_wrote(
    forest: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = get_storage()
    written = {p: storage.records.query(p) for p in ROW_PARTITIONS}
    assert all(written.values())
    storage.records.delete_many([(p, r.sk) for p, rows in written.items() for r in rows])
    storage.records.delete(database.VERSION_PK, database.VERSION_SK)
    stored._checked.discard(storage)
    monkeypatch.setattr(stored, "BACKFILL_BATCH", 3)  # 7 artifacts: three batches, the last one short
    stored.ensure_index(storage)
    assert {p: storage.records.query(p) for p in ROW_PARTITIONS} == written
    assert database.index_version(storage) == stored.INDEX_VERSION


def test_reset_leaves_a_complete_empty_index(client: TestClient, forest: dict[str, str]) -> None:
    assert client.delete("/reset").status_code == 200
    storage = get_storage()
    assert database.index_version(storage) == stored.INDEX_VERSION
    assert storage.records.query(database.REF) == []
