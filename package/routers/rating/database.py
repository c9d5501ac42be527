"""Every storage access of the rating domain.

Item layout (partition key / sort key):
  RATING / <artifact id>              the last rating computed for a model (RatingReport)
  RATINGFACTS / <kind>|<owner/name>   upstream facts fetched for ratings, with fetch time: GitHub "repo" and
                                      "reviews"; "hubcommits" (<owner/name>@<revision>) a Hub commit history
                                      that ingest did not capture
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from package.core.storage import Storage
from package.routers.rating.interface import RatingReport

RATING = "RATING"
FACTS = "RATINGFACTS"


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
    item = storage.records.get(FACTS, _facts_key(kind, repo_id))
    if item is None or time.time() - float(item.get("fetched_at", 0)) > max_age_seconds:
        return None
    value = item.get("value")
    return value if isinstance(value, dict) else None


def put_facts(storage: Storage, kind: str, repo_id: str, value: dict[str, Any]) -> None:
    """Cache upstream facts with the current time."""
    storage.records.put(FACTS, _facts_key(kind, repo_id), {"fetched_at": time.time(), "value": value})
