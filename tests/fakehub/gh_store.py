"""Thread-safe registry of GitHub repos; like GitHub, names are matched case-insensitively."""

from __future__ import annotations

import threading

from tests.fakehub.gh_repo import GitHubRepo


class GitHubStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._repos: dict[str, GitHubRepo] = {}
        self._zips: dict[tuple[str, str], bytes] = {}

    def add(self, repo: GitHubRepo) -> None:
        with self._lock:
            self._repos[repo.full_name.lower()] = repo
            self._zips = {key: data for key, data in self._zips.items() if key[0] != repo.full_name.lower()}

    def lookup(self, owner: str, name: str) -> GitHubRepo | None:
        with self._lock:
            return self._repos.get(f"{owner}/{name}".lower())

    def cached_zip(self, repo: GitHubRepo, sha: str) -> bytes | None:
        with self._lock:
            return self._zips.get((repo.full_name.lower(), sha))

    def store_zip(self, repo: GitHubRepo, sha: str, data: bytes) -> None:
        with self._lock:
            self._zips[(repo.full_name.lower(), sha)] = data
