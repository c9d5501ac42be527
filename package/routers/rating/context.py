"""Everything one rating reads, gathered once and shared by the metrics that run concurrently.

Local inputs (the model's record, snapshot and card, its references and the registered artifacts they
name) are read when the context is built. Inputs that may need an upstream call or another rating (the code
repository's facts, its pull-request reviews, the model's Hub commit history when ingest did not capture it,
the parents' net scores) are read on first use, once, whichever metric asks first; the others wait for that
one read.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from package.core.config import Settings
from package.core.errors import RegistryError
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.sources import SourceKind
from package.routers.artifacts.interface import ArtifactDetails, ArtifactRecord, SnapshotFile
from package.routers.lineage.interface import ModelRefs
from package.routers.rating import database
from package.routers.rating.config import get_rating_settings
from package.routers.rating.inputs import github_facts, hub_history, registered
from package.routers.rating.inputs.card import Card, parse_card
from package.routers.rating.inputs.github_facts import RepoFacts, ReviewFacts
from package.routers.rating.inputs.hub_history import HubHistory
from package.routers.rating.inputs.linking import Links, model_refs, resolve

T = TypeVar("T")


class MetricUnavailable(Exception):
    """A metric's inputs could not be read (an upstream failed): the rating fails and says why."""


@dataclass(frozen=True)
class ParentScore:
    """A parent model's identity and net score."""

    artifact_id: str
    name: str
    net_score: float


class _Once:
    """A value computed by the first caller; later callers wait for it (or get its error)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def get(self, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if not self.done:
                try:
                    self.value = compute()
                except Exception as exc:
                    self.error = exc
                self.done = True
        if self.error is not None:
            raise self.error
        return self.value


class RatingContext:
    """The inputs of one model's rating."""

    def __init__(
        self,
        *,
        storage: Storage,
        upstreams: Upstreams,
        settings: Settings,
        details: ArtifactDetails,
        records: list[ArtifactRecord],  # the registered artifacts the model may name (a superset)
        parent_ids: list[str],
        score_parent: Callable[[str], ParentScore | None],
        now: dt.datetime | None = None,
        card: Card | None = None,
        refs: ModelRefs | None = None,
    ) -> None:
        self.storage = storage
        self.upstreams = upstreams
        self.settings = settings
        self.details = details
        self.record = details.record
        self.snapshot = details.snapshot
        self.readme = details.readme
        self.now = now or dt.datetime.now(dt.UTC)
        self.card: Card = card if card is not None else parse_card(details.readme)
        self.refs: ModelRefs = refs or model_refs(details.record, details.snapshot, self.card)
        self.links: Links = resolve(self.refs, records, details.record.id)
        self.parent_ids = [p for p in dict.fromkeys(parent_ids) if p != details.record.id]
        self._score_parent = score_parent
        self._memo: dict[str, _Once] = {}
        self._memo_guard = threading.Lock()
        self._fresh: dict[tuple[str, str], dict[str, Any] | None] = {}  # cached facts `may_wait` read

    def _once(self, key: str, compute: Callable[[], T]) -> T:
        with self._memo_guard:
            entry = self._memo.setdefault(key, _Once())
        value: T = entry.get(compute)
        return value

    def may_wait(self) -> bool:
        """A guess from storage alone: whether an input may have to come from an upstream or another rating.

        Only where one may wait do the metrics run concurrently (so the waits overlap); otherwise they run in
        the caller's thread, since handing each to a thread costs more than most metrics. The guess decides
        nothing else: every input is read the same way either way, so a wrong guess only costs time (e.g. a
        parent whose stored rating is of an earlier generation is rated again in the caller's thread)."""
        max_age = get_rating_settings().rating_upstream_cache_seconds

        def cached(kind: str, key: str) -> dict[str, Any] | None:
            found = database.fresh_facts(self.storage, kind, key, max_age_seconds=max_age)
            self._fresh[(kind, key)] = found  # the input that reads these facts does not read them again
            return found

        if any(not database.has_report(self.storage, parent) for parent in self.parent_ids):
            return True
        if self.record.source_kind is SourceKind.HF_MODEL and not isinstance(
            self.snapshot.details.get("hub_commits"), list
        ):
            key = hub_history.facts_key(self.record.repo_id, self.snapshot.revision or self.record.revision)
            if cached("hubcommits", key) is None:
                return True
        code = self.links.code_artifact
        repo = code.repo_id if code is not None else self.links.code_repository
        if repo is None:
            return False
        if code is None:
            facts = cached("repo", repo)
            if facts is None:
                return True
            if (facts.get("value") or {}).get("missing"):
                return False  # GitHub does not know it: no pull requests to read either
        return cached("reviews", repo) is None

    @property
    def card_data(self) -> dict[str, Any]:
        """The card's YAML front matter as the Hub parsed it."""
        return self.snapshot.card_data

    @property
    def files(self) -> list[SnapshotFile]:
        """The model repository's file manifest."""
        return self.snapshot.files

    @property
    def model_aliases(self) -> set[str]:
        """Names that refer to this model in code: its repo id, repo name and registered name (lower case)."""
        repo_id = self.record.repo_id.lower()
        return {repo_id, repo_id.rsplit("/", 1)[-1], self.record.name.lower()}

    def dataset_details(self) -> list[ArtifactDetails]:
        """Captured metadata of every registered dataset the model names."""

        def read() -> list[ArtifactDetails]:
            found = (registered.details(self.storage, record) for record in self.links.datasets)
            return [details for details in found if details is not None]  # None: deleted meanwhile

        return self._once("datasets", read)

    def code_facts(self) -> RepoFacts | None:
        """Facts of the model's code repository (None when it has none, or GitHub does not know it)."""

        def read() -> RepoFacts | None:
            code = self.links.code_artifact
            if code is not None:
                facts = registered.derived(self.storage, code, RepoFacts, github_facts.facts_from_registry)
                if facts is not None:
                    return facts
            repo = self.links.code_repository
            if repo is None:
                return None
            known = github_facts.known_value(self._fresh.get(("repo", repo)))
            try:
                return github_facts.repo_facts(self.storage, self.upstreams, self.settings, repo, known=known)
            except RegistryError as exc:
                raise MetricUnavailable(f"GitHub repository {repo} could not be read: {exc.message}") from exc

        return self._once("code", read)

    def code_absence(self) -> str:
        """Why there are no code facts (for reasons)."""
        if self.links.code_repository is None:
            return "the model links no code repository (no GitHub link in its card, no registered code)"
        return f"the linked repository {self.links.code_repository} does not exist on GitHub"

    def hub_history(self) -> HubHistory | None:
        """The model repository's Hub commit history: as captured at ingest, else read once from the Hub.

        None for a model that does not come from Hugging Face, or that the Hub no longer knows.
        """

        def read() -> HubHistory | None:
            if self.record.source_kind is not SourceKind.HF_MODEL:
                return None
            captured = hub_history.from_snapshot(self.record.repo_id, self.snapshot)
            if captured is not None:
                return captured
            revision = self.snapshot.revision or self.record.revision
            key = hub_history.facts_key(self.record.repo_id, revision)
            known = github_facts.known_value(self._fresh.get(("hubcommits", key)))
            try:
                return hub_history.read_history(
                    self.storage, self.upstreams, self.settings, self.record.repo_id, revision, known=known
                )
            except RegistryError as exc:
                at_ingest = hub_history.ingest_failure(self.snapshot)
                raise MetricUnavailable(
                    f"the Hub commit history of {self.record.repo_id} could not be read: {exc.message}"
                    + (f" (nor at ingest: {at_ingest})" if at_ingest else "")
                ) from exc

        return self._once("hub_history", read)

    def review_facts(self) -> ReviewFacts | None:
        """The code repository's newest merged pull requests and their reviews (None without a repository)."""

        def read() -> ReviewFacts | None:
            facts = self.code_facts()
            if facts is None:
                return None
            known = github_facts.known_value(self._fresh.get(("reviews", facts.repo_id)))
            try:
                return github_facts.review_facts(
                    self.storage, self.upstreams, self.settings, facts.repo_id, known=known
                )
            except RegistryError as exc:
                raise MetricUnavailable(
                    f"the pull requests of {facts.repo_id} could not be read: {exc.message}"
                ) from exc

        return self._once("reviews", read)

    def parent_scores(self) -> list[ParentScore]:
        """Each registered parent's net score (parents that cannot be rated are left out)."""

        def read() -> list[ParentScore]:
            scores = [self._score_parent(parent) for parent in self.parent_ids]
            return [score for score in scores if score is not None]

        return self._once("parents", read)

    def years_since(self, iso: str | None) -> float | None:
        """Years between an ISO timestamp and the rating time (None when unknown)."""
        if not iso:
            return None
        try:
            moment = dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return max(0.0, (self.now - moment).total_seconds() / (365.25 * 86400))
