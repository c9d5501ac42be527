"""GitHub facts the code metrics read, fetched at most once per repository and cached in storage.

- Repository facts (files, README, license, contributors, recent commits): from the registry's own snapshot
  when the repository is a registered code artifact (no call at all), else read once through the GitHub
  adapter (five API calls) and cached for `rating_upstream_cache_seconds`.
- Review facts: the most recently closed pull requests (one call), then the reviews and changed files of the
  newest merged ones (two calls each; `rating_pull_sample`, fewer without GITHUB_TOKEN), fetched concurrently.

Concurrent ratings that need the same repository wait for one fetch instead of repeating it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from package.core.config import Settings
from package.core.errors import NotFound, UpstreamError
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.sources import SourceKind, SourceRef
from package.routers.artifacts.interface import ArtifactDetails
from package.routers.rating import database
from package.routers.rating.config import get_rating_settings

T = TypeVar("T")
PULL_FETCH_WORKERS = 4
WEIGHT_SUFFIXES = (
    ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".h5", ".hdf5", ".gguf", ".ggml", ".msgpack",
    ".tflite", ".pb", ".ot", ".pkl", ".pickle", ".joblib", ".npz", ".npy", ".mlmodel", ".params", ".keras",
    ".onnx_data",
)  # fmt: skip
DATA_SUFFIXES = (
    ".csv", ".tsv", ".jsonl", ".parquet", ".arrow", ".gz", ".zip", ".tar", ".tgz", ".bz2", ".xz", ".7z",
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".mp3", ".wav", ".flac", ".mp4", ".pdf",
)  # fmt: skip
DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc")
DOC_NAMES = ("license", "licence", "copying", "notice", "authors", "changelog", "changes", "readme")


def is_code_path(path: str) -> bool:
    """Whether a file counts as code: not weights, data, media or documentation."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    if lower.endswith(WEIGHT_SUFFIXES + DATA_SUFFIXES + DOC_SUFFIXES):
        return False
    return name.split(".", 1)[0] not in DOC_NAMES


def is_bot(login: str | None, kind: str | None = None) -> bool:
    """Whether a GitHub account is an automation (dependabot, github-actions...)."""
    return bool(login) and (str(login).endswith("[bot]") or kind == "Bot")


@dataclass(frozen=True)
class RepoFacts:
    """What the code metrics read of a repository."""

    repo_id: str
    origin: str
    files: list[dict[str, Any]]
    readme: str | None
    license: str | None
    contributors: list[dict[str, Any]]
    commits: list[dict[str, Any]]
    stats: dict[str, Any]
    default_branch: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RepoFacts:
        """Rebuild cached facts."""
        return cls(**item)


@dataclass(frozen=True)
class PullFacts:
    """One merged pull request: who wrote it, who reviewed it, how many lines of code it added."""

    number: int
    author: str
    merged_at: str
    reviewers: list[str] = field(default_factory=list)
    code_additions: int = 0
    other_additions: int = 0

    @property
    def reviewed(self) -> bool:
        """Whether someone other than the author (and not a bot) submitted a review."""
        return bool(self.reviewers)


@dataclass(frozen=True)
class ReviewFacts:
    """The newest merged pull requests of a repository and their reviews."""

    repo_id: str
    closed_listed: int
    merged_listed: int
    pulls: list[PullFacts]

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ReviewFacts:
        """Rebuild cached facts."""
        pulls = [PullFacts(**p) for p in item.get("pulls", [])]
        return cls(item["repo_id"], int(item["closed_listed"]), int(item["merged_listed"]), pulls)


def _slim_contributor(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "login": entry.get("login"),
        "contributions": int(entry.get("contributions") or 0),
        "type": entry.get("type"),
    }


def _slim_commit(entry: dict[str, Any]) -> dict[str, Any]:
    commit = entry.get("commit") or {}
    author = commit.get("author") or {}
    account = entry.get("author") or {}
    return {
        "login": account.get("login"),
        "type": account.get("type"),
        "name": author.get("name"),
        "date": author.get("date"),
        "message": str(commit.get("message") or "").split("\n", 1)[0][:200],
    }


def facts_from_registry(details: ArtifactDetails) -> RepoFacts:
    """Repository facts of a registered GitHub artifact, from its ingest snapshot (no upstream call)."""
    snapshot = details.snapshot
    extra = snapshot.details
    return RepoFacts(
        repo_id=details.record.repo_id,
        origin=f"registered artifact {details.record.id}",
        files=[{"path": f.path, "size": f.size} for f in snapshot.files],
        readme=details.readme,
        license=snapshot.license,
        contributors=[_slim_contributor(c) for c in extra.get("contributors") or [] if isinstance(c, dict)],
        commits=[_slim_commit(c) for c in extra.get("commits") or [] if isinstance(c, dict)],
        stats=dict(snapshot.stats),
        default_branch=extra.get("default_branch"),
    )


class _KeyLock:
    """A key's lock and how many callers hold or wait for it (the entry goes when the last one leaves)."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


_key_locks: dict[str, _KeyLock] = {}  # only keys being fetched now: not one per repository ever rated
_key_locks_guard = threading.Lock()


def once_per_key(key: str, cached: Callable[[], T | None], fetch: Callable[[], T]) -> T:
    """The cached value, or one fetch of it while concurrent callers for the same key wait."""
    value = cached()
    if value is not None:
        return value
    with _key_locks_guard:
        entry = _key_locks.get(key)
        if entry is None:
            entry = _key_locks[key] = _KeyLock()
        entry.users += 1
    try:
        with entry.lock:
            value = cached()
            return value if value is not None else fetch()
    finally:
        with _key_locks_guard:
            entry.users -= 1
            if entry.users == 0:
                del _key_locks[key]


_MISSING = {"missing": True}


def stale_facts(storage: Storage, kind: str, repo_id: str) -> dict[str, Any] | None:
    """Facts fetched before, however old: what a rating falls back on while GitHub cannot answer."""
    return database.get_facts(storage, kind, repo_id, max_age_seconds=float("inf"))


def known_value(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """The facts of a fresh cached item a caller has read (`database.fresh_facts`), when usable."""
    value = None if item is None else item.get("value")
    return value if isinstance(value, dict) else None


def repo_facts(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    repo_id: str,
    *,
    known: dict[str, Any] | None = None,
) -> RepoFacts | None:
    """Facts of a GitHub repository that is not registered (None when GitHub does not know it).

    `known`: the cached facts, read already by the caller and fresh (not read again)."""
    max_age = get_rating_settings().rating_upstream_cache_seconds

    def cached() -> RepoFacts | dict[str, bool] | None:
        item = known or database.get_facts(storage, "repo", repo_id, max_age_seconds=max_age)
        if item is None:
            return None
        return _MISSING if item.get("missing") else RepoFacts.from_item(item)

    def fetch() -> RepoFacts | dict[str, bool]:
        try:
            snapshot = upstreams.github().snapshot(SourceRef(SourceKind.GITHUB, repo_id))
        except NotFound:
            database.put_facts(storage, "repo", repo_id, _MISSING)
            return _MISSING
        except UpstreamError as exc:
            stale = stale_facts(storage, "repo", repo_id)
            if stale is None or stale.get("missing"):
                raise
            # GitHub is down or rate-limited: rate on what was fetched before, and say so in the reason.
            facts = RepoFacts.from_item(stale)
            return replace(facts, origin=f"{facts.origin}, cached: GitHub unavailable now ({exc.message})")
        extra = snapshot.details
        facts = RepoFacts(
            repo_id=repo_id,
            origin="GitHub",
            files=[{"path": f.path, "size": f.size} for f in snapshot.files],
            readme=snapshot.readme,
            license=snapshot.license,
            contributors=[_slim_contributor(c) for c in extra.get("contributors") or []],
            commits=[_slim_commit(c) for c in extra.get("commits") or []],
            stats=dict(snapshot.stats),
            default_branch=extra.get("default_branch"),
        )
        database.put_facts(storage, "repo", repo_id, asdict(facts))
        return facts

    result = once_per_key(f"repo|{repo_id.lower()}", cached, fetch)
    return result if isinstance(result, RepoFacts) else None


def review_facts(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    repo_id: str,
    *,
    known: dict[str, Any] | None = None,
) -> ReviewFacts:
    """The newest merged pull requests of a repository with their reviewers and added lines of code.

    `known`: the cached facts, read already by the caller and fresh (not read again)."""
    rating = get_rating_settings()
    max_age = rating.rating_upstream_cache_seconds
    sample = rating.rating_pull_sample if settings.github_token else rating.rating_pull_sample_anonymous

    def cached() -> ReviewFacts | None:
        item = known or database.get_facts(storage, "reviews", repo_id, max_age_seconds=max_age)
        return None if item is None else ReviewFacts.from_item(item)

    def fetch() -> ReviewFacts:
        try:
            facts = _fetch_reviews(upstreams, repo_id, sample)
        except UpstreamError:
            stale = stale_facts(storage, "reviews", repo_id)
            if stale is None:
                raise
            return ReviewFacts.from_item(stale)  # GitHub down or rate-limited: the last pull requests read
        database.put_facts(storage, "reviews", repo_id, asdict(facts))
        return facts

    return once_per_key(f"reviews|{repo_id.lower()}", cached, fetch)


def _fetch_reviews(upstreams: Upstreams, repo_id: str, sample: int) -> ReviewFacts:
    github = upstreams.github()
    try:
        closed = github.get_json(
            f"/repos/{repo_id}/pulls",
            params={"state": "closed", "sort": "updated", "direction": "desc", "per_page": "100"},
            what=f"the pull requests of {repo_id!r}",
        )
    except NotFound:
        closed = []
    closed = [p for p in closed if isinstance(p, dict)] if isinstance(closed, list) else []
    merged = sorted(
        (p for p in closed if p.get("merged_at")), key=lambda p: str(p["merged_at"]), reverse=True
    )

    def one(pull: dict[str, Any]) -> PullFacts:
        number = int(pull["number"])
        author = str((pull.get("user") or {}).get("login") or "")
        reviews = github.get_json(
            f"/repos/{repo_id}/pulls/{number}/reviews",
            params={"per_page": "100"},
            what=f"the reviews of pull request #{number} of {repo_id!r}",
        )
        files = github.get_json(
            f"/repos/{repo_id}/pulls/{number}/files",
            params={"per_page": "100"},
            what=f"the files of pull request #{number} of {repo_id!r}",
        )
        reviewers = sorted(
            {
                str((r.get("user") or {}).get("login"))
                for r in reviews
                if isinstance(r, dict)
                and (r.get("user") or {}).get("login") not in {None, author}
                and not is_bot((r.get("user") or {}).get("login"), (r.get("user") or {}).get("type"))
                and r.get("state") in {"APPROVED", "CHANGES_REQUESTED", "COMMENTED"}
            }
        )
        code = sum(int(f.get("additions") or 0) for f in files if is_code_path(str(f.get("filename", ""))))
        total = sum(int(f.get("additions") or 0) for f in files if isinstance(f, dict))
        return PullFacts(number, author, str(pull["merged_at"]), reviewers, code, total - code)

    chosen = merged[:sample]
    with ThreadPoolExecutor(max_workers=PULL_FETCH_WORKERS, thread_name_prefix="rating-pulls") as pool:
        pulls = list(pool.map(one, chosen))
    return ReviewFacts(repo_id, len(closed), len(merged), pulls)
