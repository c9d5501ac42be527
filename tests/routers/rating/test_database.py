"""The rating domain's storage: cached facts expire and never land after a reset; reports round-trip."""

from __future__ import annotations

from pathlib import Path

from package.core.storage import get_storage
from package.routers.rating import database
from tests.helpers import embedded_storage


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
