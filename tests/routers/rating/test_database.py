"""The rating domain's storage: facts fetched before a reset never land after it (issue 13)."""

from __future__ import annotations

from package.core.storage import get_storage
from package.routers.rating import database


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
