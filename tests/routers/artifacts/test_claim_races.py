"""The claims migration and the mirror both rewrite an artifact's record: neither loses the other's change."""

from __future__ import annotations

from typing import Any

from package.core.storage import Storage
from package.routers.artifacts import claims, database, maintenance_db, mirror_db
from package.routers.artifacts.interface import ArtifactRecord, MirrorState, MirrorStatus
from tests.helpers import make_record

SNAPSHOT: dict[str, Any] = {"source": {"kind": "hf_model", "repo_id": "org/model"}, "files": []}
DONE = MirrorState(status=MirrorStatus.COMPLETE, files_total=1, files_done=1, bytes_total=5, bytes_done=5)


def stored(storage: Storage, artifact_id: str) -> ArtifactRecord:
    record = database.get(storage, artifact_id)
    assert record is not None
    return record


def test_a_claim_move_after_a_mirror_write_keeps_the_mirrors_progress(storage, monkeypatch):
    record = make_record("a1", "org/model")
    database.create(storage, record, SNAPSHOT, None)
    real_move = maintenance_db.move_claim
    calls: list[str] = []

    def mirror_writes_first(storage: Storage, record: ArtifactRecord, key: str, *, take_over: bool) -> None:
        if not calls:  # the mirror finishes between the migration's read and its write
            mirror_db.save_mirror_state(storage, record.id, record.generation, DONE)
        calls.append(record.mirror.status.value)
        real_move(storage, record, key, take_over=take_over)

    monkeypatch.setattr(maintenance_db, "move_claim", mirror_writes_first)
    claims._move(storage, record, "hf_model:org/canonical@", take_over=False)
    assert calls == ["pending", "complete"]  # the stale copy was refused, the fresh one moved
    after = stored(storage, "a1")
    assert after.source_key == "hf_model:org/canonical@" and after.mirror == DONE
    assert database.source_owner(storage, record.type, "hf_model:org/canonical@") == "a1"
    assert database.source_owner(storage, record.type, record.source_key) is None


def test_a_mirror_write_after_a_claim_move_keeps_the_new_claim(storage, monkeypatch):
    record = make_record("a1", "org/model")
    database.create(storage, record, SNAPSHOT, None)
    real_get = mirror_db.get
    reads: list[str] = []

    def claim_moves_after_the_read(storage: Storage, artifact_id: str) -> ArtifactRecord | None:
        found = real_get(storage, artifact_id)
        if not reads and found is not None:  # the claim moves between the mirror's read and write
            maintenance_db.move_claim(storage, found, "hf_model:org/canonical@", take_over=False)
        reads.append(artifact_id)
        return found

    monkeypatch.setattr(mirror_db, "get", claim_moves_after_the_read)
    mirror_db.save_mirror_state(storage, "a1", record.generation, DONE)
    monkeypatch.setattr(mirror_db, "get", real_get)
    assert len(reads) == 2
    after = stored(storage, "a1")
    assert after.source_key == "hf_model:org/canonical@" and after.mirror == DONE


def test_deleting_a_duplicate_leaves_the_claim_another_artifact_holds(storage):
    oldest = make_record("a1", "org/model")
    database.create(storage, oldest, SNAPSHOT, None)
    duplicate = make_record("a2", "org/model")  # carries the same key, as a failed migration could leave it
    database.create(storage, duplicate.model_copy(update={"source_key": "elsewhere"}), SNAPSHOT, None)
    database.delete(storage, duplicate)
    assert database.get(storage, "a2") is None
    assert database.source_owner(storage, oldest.type, oldest.source_key) == "a1"
