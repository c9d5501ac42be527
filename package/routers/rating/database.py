"""Every storage access of the rating domain.

Item layout (partition key / sort key):
  RATING / <artifact id>              the last rating computed for a model (RatingReport)
  RATINGFACTS / <kind>|<owner/name>   upstream facts fetched for ratings, with fetch time: GitHub "repo" and
                                      "reviews"; "hubcommits" (<owner/name>@<revision>) a Hub commit history
                                      that ingest did not capture
  RATINGEPOCH / current               a random value that changes with every reset: facts fetched before a
                                      reset are not stored after it
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any

from pydantic import ValidationError

from package.core.storage import Check, ConditionFailed, Put, Storage
from package.routers.rating.interface import RatingReport

RATING = "RATING"
FACTS = "RATINGFACTS"
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


def put_report(storage: Storage, report: RatingReport) -> None:
    """Store a model's rating."""
    storage.records.put(RATING, report.artifact_id, report.model_dump(mode="json"))


def delete_report(storage: Storage, artifact_id: str) -> None:
    """Forget a model's rating."""
    storage.records.delete(RATING, artifact_id)


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


def get_facts(storage: Storage, kind: str, repo_id: str, *, max_age_seconds: float) -> dict[str, Any] | None:
    """Cached upstream facts no older than `max_age_seconds` (None when absent or stale)."""
    key = _facts_key(kind, repo_id)
    item = storage.records.get(FACTS, key)
    if item is None or time.time() - float(item.get("fetched_at", 0)) > max_age_seconds:
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
