"""The lineage domain's storage: one index item per artifact."""

from __future__ import annotations

from pathlib import Path

from package.routers.lineage import database
from tests.helpers import embedded_storage


def test_items_are_saved_listed_and_forgotten(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.save(storage, "a1", {"schema": 1, "refs": []})
    database.save(storage, "a2", {"schema": 1, "refs": [{"kind": "model"}]})
    assert database.entry(storage, "a1") == {"schema": 1, "refs": []}
    assert set(database.entries(storage)) == {"a1", "a2"}
    database.forget(storage, "a1")
    assert database.entry(storage, "a1") is None
    assert set(database.entries(storage)) == {"a2"}
