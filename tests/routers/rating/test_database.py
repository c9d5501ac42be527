"""The rating domain's storage: cached facts expire and never land after a reset; reports round-trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from package.core.storage import get_storage
from package.routers.rating import database
from package.routers.rating.interface import RatingInputs, RatingReport
from tests.helpers import embedded_storage
from tests.routers.rating.conftest import make_report


def test_facts_are_read_back_while_fresh(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.put_facts(storage, "repo", "Org/Repo", {"stars": 3})
    assert database.get_facts(storage, "repo", "org/repo", max_age_seconds=60) == {"stars": 3}
    assert database.get_facts(storage, "reviews", "org/repo", max_age_seconds=60) is None


def test_stale_facts_are_not_returned(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.put_facts(storage, "repo", "org/repo", {"stars": 3})
    assert database.get_facts(storage, "repo", "org/repo", max_age_seconds=-1) is None


def test_no_report_is_none_and_deleting_nothing_is_fine(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    assert database.get_report(storage, "m1") is None
    database.delete_report(storage, "m1")
    assert database.list_reports(storage) == []


def test_facts_are_cached_normally(registry_env):
    storage = get_storage()
    assert database.get_facts(storage, "repo", "openai/whisper", max_age_seconds=60) is None
    database.put_facts(storage, "repo", "openai/whisper", {"stars": 1})
    assert database.get_facts(storage, "repo", "openai/whisper", max_age_seconds=60) == {"stars": 1}


def test_facts_of_a_fetch_that_straddles_a_reset_are_dropped(registry_env):
    storage = get_storage()
    assert database.get_facts(storage, "repo", "openai/whisper", max_age_seconds=60) is None  # a job starts
    storage.records.clear()  # DELETE /reset while the job fetches from GitHub
    database.get_facts(storage, "repo", "other/repo", max_age_seconds=60)  # new work after the reset
    database.put_facts(storage, "repo", "openai/whisper", {"stars": 1})  # the old job finishes
    assert storage.records.query(database.FACTS) == []


def _report(model: str, *, used: list[str], refs: list[str], owner: str | None = "acme") -> RatingReport:
    return make_report(
        model, RatingInputs(dataset_ids=used, dataset_refs=refs, owner=owner, model_name=model)
    )


def test_ratings_are_filed_under_what_they_depend_on(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.put_report(storage, _report("m1", used=["d1"], refs=["org/squad"]))
    database.put_report(storage, _report("m2", used=["d1", "d2"], refs=[], owner=None))
    assert database.dependents(storage, {"id:d1"}) == {"m1", "m2"}
    assert database.dependents(storage, {"id:d2", "ref:org/squad"}) == {"m1", "m2"}
    assert database.dependents(storage, {"owner:acme"}) == {"m1"}
    assert database.dependents(storage, {"id:d"}) == set()  # a prefix of a key is not the key
    database.put_report(storage, _report("m1", used=[], refs=["org/squad"]))  # replaced: d1 no longer read
    assert database.dependents(storage, {"id:d1"}) == {"m2"}
    database.delete_report(storage, "m2")
    assert database.dependents(storage, {"id:d1", "id:d2"}) == set()
    assert {r.sk for r in storage.records.query(database.DEPENDS)} == {"ref:org/squad|m1", "owner:acme|m1"}


def test_ratings_stored_before_the_index_are_filed_once(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.put_report(storage, _report("m1", used=["d1"], refs=[]))
    for row in storage.records.query(database.DEPENDS):
        storage.records.delete(database.DEPENDS, row.sk)
    assert database.ensure_dependency_index(storage) == 1
    assert database.dependents(storage, {"id:d1"}) == {"m1"}
    assert database.ensure_dependency_index(storage) == 0  # recorded: not again


def test_a_rating_that_straddles_a_reset_by_another_process_leaves_nothing(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    before = database.reset_epoch(storage)  # a worker checked the model was current...
    storage.records.clear()  # ...another worker's DELETE /reset empties the shared storage...
    assert database.reset_epoch(storage) != before  # ...and new work starts a new epoch
    assert not database.put_report(
        storage, _report("m1", used=["d1"], refs=["org/squad"]), reset_epoch=before
    )
    assert database.get_report(storage, "m1") is None
    assert storage.records.query(database.DEPENDS) == []  # no stray dependency row either
    now = database.reset_epoch(storage)
    assert database.put_report(storage, _report("m1", used=["d1"], refs=[]), reset_epoch=now)
    assert database.dependents(storage, {"id:d1"}) == {"m1"}


def test_a_rating_and_its_dependency_rows_are_written_by_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    storage = embedded_storage(tmp_path)
    writes: list[str] = []
    for name in ("put", "put_many", "transact", "delete", "delete_many"):
        original = getattr(storage.records, name)

        def counted(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            if args and args[0]:  # an empty batch writes nothing
                writes.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(storage.records, name, counted)
    epoch = database.reset_epoch(storage)
    writes.clear()
    assert database.put_report(
        storage, _report("m1", used=["d1", "d2"], refs=["org/squad"]), reset_epoch=epoch
    )
    assert writes == ["transact"]
    assert database.dependents(storage, {"id:d1", "id:d2", "ref:org/squad", "owner:acme"}) == {"m1"}
    writes.clear()
    database.put_report(storage, _report("m1", used=["d1"], refs=[]), reset_epoch=epoch)  # reads less now
    assert writes == ["transact", "delete_many"]  # the rows it no longer needs go together
    assert database.dependents(storage, {"id:d2", "ref:org/squad"}) == set()
    assert database.dependents(storage, {"id:d1"}) == {"m1"}
