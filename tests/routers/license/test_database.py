"""The license domain's storage: a cache of GitHub licenses, by lower-cased repository, with a fetch time."""

from __future__ import annotations

from pathlib import Path

from package.routers.license import database
from tests.helpers import embedded_storage


def test_cached_license_is_found_until_it_is_too_old(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.cache_github_license(storage, "Org/Repo", "MIT", fetched_at=100.0)
    assert database.cached_github_license(storage, "org/repo", not_before=50.0) == (True, "MIT")
    assert database.cached_github_license(storage, "org/repo", not_before=150.0) == (False, None)


def test_a_repository_without_a_license_is_cached_as_none(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.cache_github_license(storage, "org/bare", None, fetched_at=100.0)
    assert database.cached_github_license(storage, "org/bare", not_before=0.0) == (True, None)
    assert database.cached_github_license(storage, "org/unknown", not_before=0.0) == (False, None)
