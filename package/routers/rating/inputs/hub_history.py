"""Who maintains a model on the Hugging Face Hub: its repository's commit history.

Ingest captures the newest commits (`snapshot.details["hub_commits"]`: authors, date, title; at most 300).
When ingest could not read them (it records why in `hub_commits_error`) or the model was registered before
they were captured, they are read once from the Hub at rating time and cached like GitHub facts
(`rating_upstream_cache_seconds`); a Hub that does not answer then fails the metrics that need the history.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from package.core.config import Settings
from package.core.errors import NotFound
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.sources import SourceKind, SourceRef
from package.routers.artifacts.interface import ArtifactSnapshot
from package.routers.rating import database
from package.routers.rating.config import get_rating_settings
from package.routers.rating.inputs.github_facts import once_per_key

# Accounts that commit for the Hub or for tools, not for people: the Hub's own commits (repository creation,
# merges of its automated pull requests), the safetensors conversion bot, the metadata bot, CI.
HUB_BOTS = {"system", "sfconvertbot", "librarian-bot", "github-actions", "hf-internal-testing"}
_BOT_SUFFIX = re.compile(r"(\[bot\]|[-_]bot)$", re.IGNORECASE)
MAX_REMEMBERED_NAME = 96


def is_hub_bot(user: str) -> bool:
    """Whether a Hub account is an automation rather than a person."""
    # Asked for every author of up to 300 commits per rating, among a handful of accounts: remembered (names
    # of a plausible length only, so a hostile history cannot fill memory).
    return _known_bot(user) if len(user) <= MAX_REMEMBERED_NAME else _classify(user)


def _classify(user: str) -> bool:
    return user.lower() in HUB_BOTS or bool(_BOT_SUFFIX.search(user))


_known_bot = lru_cache(maxsize=4096)(_classify)


@dataclass(frozen=True)
class HubHistory:
    """The newest commits of a Hub repository, newest first: [{"authors": [user], "date", "title"}]."""

    repo_id: str
    origin: str
    commits: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None
    note: str | None = None

    @property
    def described(self) -> str:
        """How much of the history was read, for reasons."""
        listed = f"{len(self.commits)} commits" + (
            f" of {self.total}" if self.total and self.total > len(self.commits) else ""
        )
        return f"Hub history of {self.repo_id} ({self.origin}, {listed})"

    def credits(self) -> dict[str, float]:
        """Commits per person: a commit with k people among its authors counts 1/k for each; bots none."""
        people: dict[str, float] = {}
        for commit in self.commits:
            humans = [a for a in commit.get("authors") or [] if isinstance(a, str) and not is_hub_bot(a)]
            for author in humans:
                people[author] = people.get(author, 0.0) + 1.0 / len(humans)
        return people

    def newest_by_a_person(self) -> str | None:
        """The date of the newest commit with a person among its authors."""
        dates = [
            str(c["date"])
            for c in self.commits
            if c.get("date") and any(isinstance(a, str) and not is_hub_bot(a) for a in c.get("authors") or [])
        ]
        return max(dates, default=None)


def from_snapshot(repo_id: str, snapshot: ArtifactSnapshot) -> HubHistory | None:
    """The history ingest captured (None when it did not)."""
    extra = snapshot.details
    commits = extra.get("hub_commits")
    if not isinstance(commits, list):
        return None
    total = extra.get("hub_commits_total")
    return HubHistory(
        repo_id=repo_id,
        origin="captured at ingest",
        commits=[c for c in commits if isinstance(c, dict)],
        total=int(total) if isinstance(total, int) else None,
        note=extra.get("hub_commits_note"),
    )


def ingest_failure(snapshot: ArtifactSnapshot) -> str | None:
    """Why ingest could not read the history (None when it did, or did not try)."""
    error = snapshot.details.get("hub_commits_error")
    return str(error) if error else None


_MISSING = {"missing": True}


def facts_key(repo_id: str, revision: str | None) -> str:
    """What a history read from the Hub is cached under (one per repository and revision)."""
    return f"{repo_id}@{revision or ''}"


def read_history(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    repo_id: str,
    revision: str | None,
    *,
    known: dict[str, Any] | None = None,
) -> HubHistory | None:
    """A model repository's history read from the Hub (cached); None when the Hub does not know it.

    Raises the adapter's UpstreamError when the Hub does not answer. `known`: the cached history, read
    already by the caller and fresh (not read again).
    """
    key = facts_key(repo_id, revision)
    max_age = get_rating_settings().rating_upstream_cache_seconds

    def cached() -> HubHistory | dict[str, bool] | None:
        item = known or database.get_facts(storage, "hubcommits", key, max_age_seconds=max_age)
        if item is None:
            return None
        return _MISSING if item.get("missing") else HubHistory(**item)

    def fetch() -> HubHistory | dict[str, bool]:
        try:
            found = upstreams.huggingface().commit_history(
                SourceRef(SourceKind.HF_MODEL, repo_id), revision=revision
            )
        except NotFound:
            database.put_facts(storage, "hubcommits", key, _MISSING)
            return _MISSING
        history = HubHistory(
            repo_id, "read from the Hub at rating time", found.commits, found.total, found.note
        )
        database.put_facts(storage, "hubcommits", key, asdict(history))
        return history

    result = once_per_key(f"hubcommits|{key.lower()}", cached, fetch)
    return result if isinstance(result, HubHistory) else None
