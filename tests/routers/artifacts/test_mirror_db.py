"""The index of unfinished mirror copies, on both drivers: kept with every write of a record's mirror state
(create, progress, update, delete, a refused create, reset), backfilled once for an older store, repaired
when stale, and what a start-up resumes from it without reading every artifact record."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from package.core.config import MirrorPolicy, Settings
from package.core.storage import ConditionFailed, Storage, open_storage
from package.routers.artifacts import database, mirror, mirror_db
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactRecord, MirrorState, MirrorStatus
from tests.helpers import make_record

SNAPSHOT: dict[str, Any] = {"source": {"kind": "hf_model", "repo_id": "org/model"}, "files": []}
DONE = MirrorState(status=MirrorStatus.COMPLETE, files_total=1, files_done=1, bytes_total=5, bytes_done=5)
FAILED_LONG_AGO = MirrorState(
    status=MirrorStatus.FAILED, message="upstream down", updated_at="2020-01-01T00:00Z"
)


def record(artifact_id: str, status: MirrorStatus = MirrorStatus.PENDING) -> ArtifactRecord:
    made = make_record(artifact_id, f"org/{artifact_id}")
    return made.model_copy(update={"mirror": MirrorState(status=status)})


def unfinished(storage: Storage) -> list[str]:
    return [artifact_id for page in mirror_db.unfinished_pages(storage) for artifact_id in page]


def count_reads(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """From now on, the partitions the record store reads (get, get_many, query, query_page) counted."""
    reads: Counter[str] = Counter()
    for name in ("get", "get_many", "query", "query_page"):
        original = getattr(storage.records, name)

        def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            reads.update([args[0]] if isinstance(args[0], str) else [pk for pk, _ in args[0]])
            return _original(*args, **kwargs)

        monkeypatch.setattr(storage.records, name, counted)
    return reads


class TestKeptWithTheRecord:
    def test_a_pending_copy_is_filed_at_create_and_a_skipped_one_is_not(self, storage):
        database.create(storage, record("a1"), SNAPSHOT, None)
        database.create(storage, record("a2", MirrorStatus.SKIPPED), SNAPSHOT, None)
        assert unfinished(storage) == ["a1"]

    def test_progress_keeps_it_filed_until_the_copy_completes(self, storage):
        database.create(storage, record("a1"), SNAPSHOT, None)
        mirror_db.save_mirror_state(storage, "a1", "g1", MirrorState(status=MirrorStatus.MIRRORING))
        assert unfinished(storage) == ["a1"]
        mirror_db.save_mirror_state(storage, "a1", "g1", DONE)
        assert unfinished(storage) == []
        mirror_db.save_mirror_state(storage, "a1", "g1", FAILED_LONG_AGO)  # a failed copy is tried again
        assert unfinished(storage) == ["a1"]
        mirror_db.save_mirror_state(storage, "a1", "g1", MirrorState(status=MirrorStatus.GATED))
        assert unfinished(storage) == []

    def test_an_update_files_the_new_sources_copy_again(self, storage):
        old = record("a1")
        database.create(storage, old, SNAPSHOT, None)
        mirror_db.save_mirror_state(storage, "a1", "g1", DONE)
        new = old.model_copy(update={"generation": "g2", "mirror": MirrorState()})
        database.replace(storage, old.model_copy(update={"mirror": DONE}), new, SNAPSHOT, None)
        assert unfinished(storage) == ["a1"]

    def test_a_delete_takes_it_out(self, storage):
        database.create(storage, record("a1"), SNAPSHOT, None)
        database.delete(storage, record("a1"))
        assert unfinished(storage) == []

    def test_a_refused_create_leaves_no_entry(self, storage):
        database.create(storage, record("a1"), SNAPSHOT, None)
        same_source = record("a2").model_copy(update={"source_key": record("a1").source_key})
        with pytest.raises(ConditionFailed):
            database.create(storage, same_source, SNAPSHOT, None)
        assert unfinished(storage) == ["a1"]

    def test_a_write_for_a_gone_artifact_files_nothing(self, storage):
        with pytest.raises(ConditionFailed):
            mirror_db.save_mirror_state(storage, "gone", "g1", MirrorState(status=MirrorStatus.MIRRORING))
        assert unfinished(storage) == []

    def test_a_reset_empties_it_and_leaves_it_complete(self, storage, monkeypatch):
        database.create(storage, record("a1"), SNAPSHOT, None)
        monkeypatch.setattr(artifact_services, "run_reset_hooks", lambda storage: None)  # other domains'
        artifact_services.reset(storage)
        reads = count_reads(storage, monkeypatch)
        assert unfinished(storage) == []
        assert reads["ARTIFACT"] == 0  # complete after a reset: no backfill


class TestBackfill:
    def old_store(self, storage: Storage, *records: ArtifactRecord) -> None:
        """Records as code before the index wrote them: no entries, no mark."""
        for made in records:
            storage.records.put("ARTIFACT", made.id, made.model_dump(mode="json"))
        mirror_db.INDEX.forget(storage)
        storage.records.delete(mirror_db.INDEX.pk, mirror_db.INDEX.sk)

    def test_it_files_the_unfinished_copies_once(self, storage, monkeypatch):
        failed = record("a3").model_copy(update={"mirror": FAILED_LONG_AGO})
        self.old_store(storage, record("a1"), record("a2", MirrorStatus.COMPLETE), failed)
        assert unfinished(storage) == ["a1", "a3"]
        assert mirror_db.INDEX.stored_version(storage) == mirror_db.INDEX.version
        mirror_db.INDEX.forget(storage)  # as a new process: reads the mark, not the records
        reads = count_reads(storage, monkeypatch)
        assert unfinished(storage) == ["a1", "a3"]
        assert reads["ARTIFACT"] == 0

    def test_a_copy_finishing_during_the_backfill_is_not_filed(self, storage, monkeypatch):
        self.old_store(storage, record("a1"), record("a2"))
        real_page = storage.records.query_page

        def finish_after_the_read(pk: str, **kwargs: Any) -> Any:
            page = real_page(pk, **kwargs)
            if pk == "ARTIFACT" and page:
                mirror_db.save_mirror_state(storage, "a1", "g1", DONE)  # between the read and the filing
            return page

        monkeypatch.setattr(storage.records, "query_page", finish_after_the_read)
        assert unfinished(storage) == ["a2"]


class TestResume:
    def test_only_the_resumable_are_resumed_and_only_their_records_read(self, storage, monkeypatch):
        failed_now = record("a4").model_copy(
            update={"mirror": MirrorState(status=MirrorStatus.FAILED, updated_at=mirror.now_iso())}
        )
        for made in (record("a1"), record("a2", MirrorStatus.COMPLETE), record("a3"), failed_now):
            database.create(storage, made, SNAPSHOT, None)
        storage.records.put(mirror_db.UNFINISHED, "a0", {"generation": "g1"})  # an entry without a record
        unfinished(storage)  # the index is marked complete (a first start)
        reads = count_reads(storage, monkeypatch)
        assert [r.id for r in mirror.to_resume(storage)] == ["a1", "a3"]  # a4 failed too recently
        assert reads["ARTIFACT"] == 4  # a0, a1, a3 and a4: never a2, the finished one
        assert unfinished(storage) == ["a1", "a3", "a4"]  # the stale entry is gone

    def test_another_policy_reads_nothing(self, storage, monkeypatch):
        database.create(storage, record("a1"), SNAPSHOT, None)
        reads = count_reads(storage, monkeypatch)
        lazy = Settings(mirror=MirrorPolicy.LAZY)
        assert artifact_services.resume_mirrors(storage, lazy) == 0
        assert not reads


def test_two_processes_share_the_index(tmp_path: Path):
    first = open_storage(Settings(data_dir=tmp_path))
    second = open_storage(Settings(data_dir=tmp_path))
    assert unfinished(first) == [] and unfinished(second) == []  # both marked it: an empty store
    database.create(first, record("a1"), SNAPSHOT, None)
    assert [r.id for r in mirror.to_resume(second)] == ["a1"]
    mirror_db.save_mirror_state(second, "a1", "g1", DONE)
    assert unfinished(first) == []
