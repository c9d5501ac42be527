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


def test_versions_go_with_the_artifact_and_keep_their_blobs_until_then(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    record = make_record("a1", "org/model")
    v1 = {"number": 1, "bundle_sha256": "ab" * 32}
    database.create(
        storage,
        record,
        SNAPSHOT,
        None,
        extra=[database.put_version("a1", 1, v1, new=True), database.keep_version_blob("a1", 1, "ab" * 32)],
    )
    assert database.versions(storage, "a1") == [v1]
    assert database.blob_in_use(storage, "ab" * 32)
    with pytest.raises(ConditionFailed):  # a version number is taken once
        storage.records.transact([database.put_version("a1", 1, v1, new=True)])
    database.release_version_blob(storage, "a1", 1, v1 | {"bundle_kept": False})
    assert not database.blob_in_use(storage, "ab" * 32)
    assert database.versions(storage, "a1")[0]["bundle_kept"] is False
    assert database.delete_versions(storage, "a1") == ["ab" * 32]
    assert database.versions(storage, "a1") == []


def test_the_audit_log_outlives_the_artifact(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    record = make_record("a1", "org/model")
    database.create(storage, record, SNAPSHOT, None)
    database.add_logged_audit(storage, "a1", "2026-01-01T00:00:00.000Z#1", {"e": 1}, {"l": 1})
    database.delete(storage, record)
    database.add_log_entry(storage, "2026-01-01T00:00:01.000Z#2", {"l": 2})
    assert database.audit(storage, "a1") == []
    assert database.audit_log(storage) == [{"l": 1}, {"l": 2}]
