"""The rating domain's storage: cached upstream facts expire; stored reports round-trip."""

from __future__ import annotations

from pathlib import Path

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
