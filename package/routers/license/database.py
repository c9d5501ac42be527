"""Every storage access of the license domain: a short-lived cache of GitHub projects' licenses.

Item layout (partition key / sort key):
  LICENSE#GITHUB / <owner/repo, lower-cased>   {license: <spdx_id or key, or null>, fetched_at: <epoch s>}

Only answers are cached (never failures), so a GitHub outage or rate limit is retried on the next request.
Reset clears the table, this partition with it.
"""

from __future__ import annotations

from package.core.storage import Storage

GITHUB_LICENSES = "LICENSE#GITHUB"


def cached_github_license(storage: Storage, repo_id: str, *, not_before: float) -> tuple[bool, str | None]:
    """(found, license) of a repository fetched at or after `not_before` (epoch seconds)."""
    item = storage.records.get(GITHUB_LICENSES, repo_id.lower())
    if item is None or float(item.get("fetched_at", 0)) < not_before:
        return False, None
    value = item.get("license")
    return True, str(value) if value else None


def cache_github_license(
    storage: Storage, repo_id: str, license_id: str | None, *, fetched_at: float
) -> None:
    """Remember a repository's license as GitHub reported it."""
    storage.records.put(GITHUB_LICENSES, repo_id.lower(), {"license": license_id, "fetched_at": fetched_at})
