"""Every storage access of the rating domain.

Item layout (partition key / sort key):
  RATING / <artifact id>              the last rating computed for a model (RatingReport)
  RATINGFACTS / <kind>|<owner/name>   upstream facts fetched for ratings, with fetch time: GitHub "repo" and
                                      "reviews"; "hubcommits" (<owner/name>@<revision>) a Hub commit history
                                      that ingest did not capture
  RATINGVERSION#<id> / <generation>   the rating an earlier version of a model had when a PUT replaced it
                                      (its generation: the version's; kept while retention keeps the version)
  RATINGEPOCH / current               a random value that changes with every reset: facts fetched before a
                                      reset are not stored after it
  RATINGDEP / <key>|<model id>        the stored rating of the model depends on <key>: `id:<artifact id>`
                                      (a registered artifact it read), `ref:<name>` (a name it gives a
                                      dataset, code or parent), `owner:<owner>` (its owner, for code of the
                                      same family); written with the rating and removed with it, so the
                                      ratings an artifact change invalidates are found without reading all
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from package.core.storage import Check, ConditionFailed, Put, Storage, key_pages
from package.routers.rating.interface import RatingReport

RATING = "RATING"
VERSIONED = "RATINGVERSION#"
FACTS = "RATINGFACTS"
DEPENDS = "RATINGDEP"
_MAX_KEY = 300
_ID_PAGE = 500
EPOCH, EPOCH_SK = "RATINGEPOCH", "current"
logger = logging.getLogger("registry.rating")
_epoch_at_miss: dict[str, str] = {}  # facts key -> the epoch when its cache was found empty or stale
_epoch_lock = threading.Lock()


def get_report(storage: Storage, artifact_id: str) -> RatingReport | None:
    """A model's stored rating (None when absent or written by an incompatible version)."""
    item = storage.records.get(RATING, artifact_id)
    if item is None:
        return None
    try:
        return RatingReport.model_validate(item)
    except ValidationError:
        return None


@dataclass(frozen=True)
class StoredScore:
    """A stored rating's net score and the model generation it is of."""

    generation: str
    net_score: float


def stored_score(storage: Storage, artifact_id: str) -> StoredScore | None:
    """A model's stored net score (None when absent or unreadable; nothing else of the rating is decoded)."""
    item = storage.records.get(RATING, artifact_id)
    rating = item.get("rating") if item is not None else None
    if item is None or not isinstance(rating, dict):
        return None
    try:
        return StoredScore(str(item["generation"]), float(rating["net_score"]))
    except (KeyError, TypeError, ValueError):
        return None


def has_report(storage: Storage, artifact_id: str) -> bool:
    """Whether a model has a stored rating (of any generation; nothing is decoded)."""
    return storage.records.get(RATING, artifact_id) is not None


def dependency_keys(report: RatingReport) -> set[str]:
    """What a stored rating is filed under in the dependency index."""
    inputs = report.inputs
    keys = {f"id:{i}" for i in inputs.used_ids}
    keys |= {f"ref:{r}" for r in (*inputs.dataset_refs, *inputs.code_refs, *inputs.parent_refs)}
    if inputs.owner:
        keys.add(f"owner:{inputs.owner}")
    return {key[:_MAX_KEY] for key in keys}


def _dependency_rows(report: RatingReport | None) -> set[str]:
    if report is None:
        return set()
    return {f"{key}|{report.artifact_id}" for key in dependency_keys(report)}


def put_report(
    storage: Storage, report: RatingReport, *, reset_epoch: str | None = None, current: Check | None = None
) -> bool:
    """Store a model's rating and file it under what it depends on, in one transaction.

    With `reset_epoch` (read before the model was found current) the rating is stored only if no reset
    happened since, in this process or another; with `current` (the artifacts domain's check that the model
    is still at the report's generation) only if no PUT replaced the model since, in any process: a stale
    rating is neither stored as current nor archives the newer one. Whether it was stored. A rating of an
    earlier version that this one replaces is kept under that version. The rows go before the rating: where a
    driver must split a large transaction (DynamoDB, 100 items), a rating is never stored without its rows."""
    previous = get_report(storage, report.artifact_id)
    old_rows = _dependency_rows(previous)
    new_rows = _dependency_rows(report)
    writes: list[Put] = [Put(DEPENDS, row, {"id": report.artifact_id}) for row in sorted(new_rows - old_rows)]
    if previous is not None and previous.generation != report.generation:  # an earlier version's: keep it
        writes.append(
            Put(f"{VERSIONED}{report.artifact_id}", previous.generation, previous.model_dump(mode="json"))
        )
    writes.append(Put(RATING, report.artifact_id, report.model_dump(mode="json")))
    checks = [] if reset_epoch is None else [Check(EPOCH, EPOCH_SK, equals={"epoch": reset_epoch})]
    if current is not None:
        checks.append(current)
    try:
        storage.records.transact([*checks, *writes])
    except ConditionFailed:  # a reset or a PUT meanwhile: nothing of this rating was written
        logger.info(
            "a rating computed before a reset or a PUT was dropped", extra={"artifact_id": report.artifact_id}
        )
        return False
    storage.records.delete_many([(DEPENDS, row) for row in sorted(old_rows - new_rows)])
    return True


def reset_epoch(storage: Storage) -> str:
    """The current reset epoch: read it before checking what a write depends on, pass it to the write."""
    return _epoch(storage)


def delete_report(storage: Storage, artifact_id: str) -> None:
    """Forget a model's rating and its dependency rows."""
    rows = _dependency_rows(get_report(storage, artifact_id))
    storage.records.delete(RATING, artifact_id)  # first: a rating is never left without its rows
    storage.records.delete_many([(DEPENDS, row) for row in sorted(rows)])


def archive_report(storage: Storage, artifact_id: str, current_generation: str) -> RatingReport | None:
    """Keep the stored rating under its version when the model moved to another generation; the one kept."""
    report = get_report(storage, artifact_id)
    if report is None or report.generation == current_generation:
        return None
    try:  # only while it is still the stored one (a rating stored meanwhile is archived by its own write)
        storage.records.transact(
            [
                Check(RATING, artifact_id, equals={"generation": report.generation}),
                Put(f"{VERSIONED}{artifact_id}", report.generation, report.model_dump(mode="json")),
            ]
        )
    except ConditionFailed:
        return None
    return report


def version_reports(storage: Storage, artifact_id: str) -> dict[str, RatingReport]:
    """The ratings kept for a model's earlier versions, by generation (one partition read)."""
    found: dict[str, RatingReport] = {}
    for record in storage.records.query(f"{VERSIONED}{artifact_id}"):
        try:
            found[record.sk] = RatingReport.model_validate(record.item)
        except ValidationError:  # written by an incompatible version of this code: as if absent
            continue
    return found


def version_report(storage: Storage, artifact_id: str, generation: str) -> RatingReport | None:
    """The rating kept for one earlier version of a model (None when absent)."""
    item = storage.records.get(f"{VERSIONED}{artifact_id}", generation)
    try:
        return None if item is None else RatingReport.model_validate(item)
    except ValidationError:
        return None


def drop_version_reports(storage: Storage, artifact_id: str, *, keep: Collection[str] = ()) -> int:
    """Forget the kept ratings of a model's earlier versions except those of the `keep` generations."""
    stale = [(r.pk, r.sk) for r in storage.records.query(f"{VERSIONED}{artifact_id}") if r.sk not in keep]
    storage.records.delete_many(stale)
    return len(stale)


def dependents(storage: Storage, keys: set[str]) -> set[str]:
    """Models whose stored rating is filed under any of these keys (rows may be stale: check each)."""
    found: set[str] = set()
    for key in keys:
        for record in storage.records.query(DEPENDS, prefix=f"{key[:_MAX_KEY]}|"):
            found.add(str(record.item.get("id") or record.sk.rsplit("|", 1)[-1]))
    return found


def rated_ids(storage: Storage) -> set[str]:
    """Ids of the models with a stored rating (of any generation; the ratings are not validated), read a
    page at a time so a large registry's ratings are never all held at once."""
    return {sk for page in key_pages(storage.records, RATING, limit=_ID_PAGE) for sk in page}


def list_reports(storage: Storage) -> list[RatingReport]:
    """Every stored rating."""
    reports = []
    for record in storage.records.query(RATING):
        try:
            reports.append(RatingReport.model_validate(record.item))
        except ValidationError:
            continue
    return reports


def _facts_key(kind: str, repo_id: str) -> str:
    return f"{kind}|{repo_id.lower()}"


def fresh_facts(
    storage: Storage, kind: str, repo_id: str, *, max_age_seconds: float
) -> dict[str, Any] | None:
    """The stored facts item if no older than `max_age_seconds` (a plain read: nothing is noted on a miss)."""
    item = storage.records.get(FACTS, _facts_key(kind, repo_id))
    if item is None or time.time() - float(item.get("fetched_at", 0)) > max_age_seconds:
        return None
    return item


def get_facts(storage: Storage, kind: str, repo_id: str, *, max_age_seconds: float) -> dict[str, Any] | None:
    """Cached upstream facts no older than `max_age_seconds` (None when absent or stale)."""
    key = _facts_key(kind, repo_id)
    item = fresh_facts(storage, kind, repo_id, max_age_seconds=max_age_seconds)
    if item is None:
        epoch = _epoch(storage)  # the facts about to be fetched belong to this epoch
        with _epoch_lock:
            if len(_epoch_at_miss) > 10_000:
                _epoch_at_miss.clear()
            _epoch_at_miss[key] = epoch
        return None
    value = item.get("value")
    return value if isinstance(value, dict) else None


def put_facts(storage: Storage, kind: str, repo_id: str, value: dict[str, Any]) -> None:
    """Cache upstream facts with the current time, unless a reset happened since they were found missing."""
    key = _facts_key(kind, repo_id)
    with _epoch_lock:
        epoch = _epoch_at_miss.pop(key, None)
    if epoch is None:
        epoch = _epoch(storage)
    try:
        storage.records.transact(
            [
                Check(EPOCH, EPOCH_SK, equals={"epoch": epoch}),
                Put(FACTS, key, {"fetched_at": time.time(), "value": value}),
            ]
        )
    except ConditionFailed:
        logger.info("facts fetched before a reset were dropped", extra={"facts": key})


def _epoch(storage: Storage) -> str:
    """The current reset epoch (created on first use after a start or a reset)."""
    item = storage.records.get(EPOCH, EPOCH_SK)
    if item is not None:
        return str(item["epoch"])
    try:
        fresh = secrets.token_hex(8)
        storage.records.put(EPOCH, EPOCH_SK, {"epoch": fresh}, if_absent=True)
        return fresh
    except ConditionFailed:  # another writer created it first
        item = storage.records.get(EPOCH, EPOCH_SK)
        return str(item["epoch"]) if item else ""


DEPENDS_VERSION = 1
_VERSION_PK, _VERSION_SK = "RATINGDEPINDEX", "version"


def ensure_dependency_index(storage: Storage) -> int:
    """File every stored rating in the dependency index once, for a database that predates it; how many."""
    item = storage.records.get(_VERSION_PK, _VERSION_SK)
    if item is not None and int(item.get("version") or 0) >= DEPENDS_VERSION:
        return 0
    reports = list_reports(storage)
    for report in reports:
        for row in _dependency_rows(report):
            storage.records.put(DEPENDS, row, {"id": report.artifact_id})
    mark_dependency_index(storage)
    return len(reports)


def mark_dependency_index(storage: Storage) -> None:
    """Record that every stored rating is filed in the dependency index (e.g. after a reset: none is)."""
    storage.records.put(_VERSION_PK, _VERSION_SK, {"version": DEPENDS_VERSION})
