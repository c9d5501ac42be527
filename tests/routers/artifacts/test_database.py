"""The artifacts domain's storage: a source is claimed once; an artifact, snapshot and README go together."""

from __future__ import annotations

from pathlib import Path

import pytest

from package.core.storage import ConditionFailed
from package.routers.artifacts import database
from tests.helpers import embedded_storage, make_record

SNAPSHOT = {"source": {"kind": "hf_model", "repo_id": "org/model"}, "files": []}


def test_create_claims_the_source_and_stores_everything(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    record = make_record("a1", "org/model")
    database.create(storage, record, SNAPSHOT, "# readme")
    assert database.get(storage, "a1") == record
    assert database.source_owner(storage, record.type, record.source_key) == "a1"
    assert database.snapshot(storage, "a1") == SNAPSHOT
    assert database.readme(storage, "a1") == "# readme"
    with pytest.raises(ConditionFailed):
        database.create(storage, make_record("a2", "org/model"), SNAPSHOT, None)
    assert database.get(storage, "a2") is None  # nothing half-written


def test_hidden_artifacts_are_listed_only_on_request(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.create(storage, make_record("a1", "org/model"), SNAPSHOT, None, hidden=True)
    assert database.list_all(storage) == []
    assert [r.id for r in database.list_all(storage, include_hidden=True)] == ["a1"]
    assert database.unhide(storage, "a1") and not database.is_hidden(storage, "a1")


def test_delete_removes_the_artifact_and_frees_its_source(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    record = make_record("a1", "org/model")
    database.create(storage, record, SNAPSHOT, "# readme")
    assert database.delete(storage, record) == []
    assert database.get(storage, "a1") is None and database.snapshot(storage, "a1") is None
    assert database.source_owner(storage, record.type, record.source_key) is None
    with pytest.raises(ConditionFailed):
        database.delete(storage, record)
