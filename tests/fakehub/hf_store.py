"""Thread-safe registry of Hugging Face repos, with the Hub's renamed-repo aliases."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from tests.fakehub.hf_repo import HfRepo, RepoKind


class HfStore:
    def __init__(self, valid_tokens: Iterable[str] = ("hf_test_granted",)) -> None:
        self._lock = threading.Lock()
        self._repos: dict[tuple[RepoKind, str], HfRepo] = {}
        self._aliases: dict[tuple[RepoKind, str], str] = {}
        self.valid_tokens: set[str] = set(valid_tokens)

    def add(self, repo: HfRepo) -> None:
        with self._lock:
            self._repos[(repo.kind, repo.repo_id)] = repo
            for alias in repo.aliases:
                self._aliases[(repo.kind, alias)] = repo.repo_id

    def lookup(self, kind: RepoKind, repo_id: str) -> HfRepo | None:
        """The repo stored under this exact id (aliases are not followed)."""
        with self._lock:
            return self._repos.get((kind, repo_id))

    def canonical_id(self, kind: RepoKind, repo_id: str) -> str | None:
        """The id to redirect to when `repo_id` is an old name of a renamed repo."""
        with self._lock:
            target = self._aliases.get((kind, repo_id))
            return target if target is not None and (kind, target) in self._repos else None

    def knows(self, kind: RepoKind, repo_id: str) -> bool:
        with self._lock:
            return (kind, repo_id) in self._repos or (kind, repo_id) in self._aliases

    def all(self, kind: RepoKind) -> list[HfRepo]:
        with self._lock:
            return [repo for (repo_kind, _), repo in self._repos.items() if repo_kind == kind]
