"""Thread-safe registry of GitHub repos; like GitHub, names are matched case-insensitively.

A renamed repo keeps answering under its old name: GitHub redirects (301) `/repos/<old>/...` to
`/repositories/<id>/...`, which serves the repo under its current name.
"""

from __future__ import annotations

import threading

from tests.fakehub.gh_repo import GitHubRepo


class GitHubStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._repos: dict[str, GitHubRepo] = {}
        self._zips: dict[tuple[str, str], bytes] = {}
        self._renamed: dict[str, GitHubRepo] = {}

    def add(self, repo: GitHubRepo) -> None:
        with self._lock:
            self._repos[repo.full_name.lower()] = repo
            self._zips = {key: data for key, data in self._zips.items() if key[0] != repo.full_name.lower()}

    def lookup(self, owner: str, name: str) -> GitHubRepo | None:
        with self._lock:
            return self._repos.get(f"{owner}/{name}".lower())

    def rename(self, old_full_name: str, current_full_name: str) -> None:
        """Record that `current_full_name` (a stored repo) was once called `old_full_name`."""
        with self._lock:
            self._renamed[old_full_name.lower()] = self._repos[current_full_name.lower()]

    def moved(self, owner: str, name: str) -> GitHubRepo | None:
        """The repo an old name now belongs to, if it was renamed (and no repo took the old name)."""
        with self._lock:
            key = f"{owner}/{name}".lower()
            return None if key in self._repos else self._renamed.get(key)

    def by_id(self, repo_id: int) -> GitHubRepo | None:
        with self._lock:
            return next((repo for repo in self._repos.values() if repo.id == repo_id), None)

    def cached_zip(self, repo: GitHubRepo, sha: str) -> bytes | None:
        with self._lock:
            return self._zips.get((repo.full_name.lower(), sha))

    def store_zip(self, repo: GitHubRepo, sha: str, data: bytes) -> None:
        with self._lock:
            self._zips[(repo.full_name.lower(), sha)] = data
