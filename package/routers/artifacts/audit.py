"""The audit history: each artifact's trail (the spec's view) and a registry-wide log that outlives deletes.

Every audit entry is written twice in one transaction: under the artifact (`GET /artifact/{type}/{id}/audit`,
gone with the artifact, as the spec's 404 for a missing artifact requires) and in the registry-wide log
(`GET /audit`, with its indexes by user and by action: audit_db.py), which also receives a DELETE tombstone
when an artifact is removed and a RESET entry when the registry is emptied. The log is read with filters
(user, action, type, artifact, time range) and pages.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from package.core.auth_middleware import Principal
from package.core.errors import BadRequest
from package.core.storage import Storage
from package.routers.artifacts import audit_db, database
from package.routers.artifacts.interface import (
    ArtifactRecord,
    ArtifactType,
    AuditAction,
    AuditLogAction,
    AuditLogEntry,
    User,
)
from package.routers.artifacts.mirror import now_iso
from package.routers.artifacts.paging import encode_cursor, parse_position

MAX_PAGE = 500
SCAN_BATCH = 500
SCAN_BUDGET_ENTRIES = 5_000
SCAN_BUDGET_SECONDS = 0.05
PROBE = 100  # entries read ahead in the user's and the action's index to pick the narrower of the two


@dataclass(frozen=True)
class AuditFilter:
    """What `GET /audit` asks for; every field given must hold."""

    user: str | None = None
    action: AuditLogAction | None = None
    artifact_type: ArtifactType | None = None
    artifact_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _sort_key(date: str) -> str:
    # The date has milliseconds; nanoseconds keep entries of one millisecond in the order they were written.
    return f"{date}#{time.time_ns():020d}#{secrets.token_hex(4)}"


def record(
    storage: Storage,
    *,
    record: ArtifactRecord,
    principal: Principal,
    action: AuditAction,
    later: bool = False,
) -> None:
    """Append an entry to the artifact's trail and to the registry-wide log (`later`: with the next batch)."""
    date = now_iso()
    entry, logged = entry_documents(record, principal, action, date)
    write = database.add_logged_audit_later if later else database.add_logged_audit
    write(storage, record.id, _sort_key(date), entry, logged)


def entry_documents(
    record: ArtifactRecord, principal: Principal, action: AuditAction, date: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored forms of an artifact's audit entry and its log entry: what `ArtifactAuditEntry` and
    `AuditLogEntry` dump, built from values already validated (the record, the principal, the enum).

    Every download writes one pair; building and validating the two models took a tenth of the request's
    interpreter time behind nginx (docs/performance-downloads.md).
    """
    user = {"name": principal.name, "is_admin": principal.is_admin}
    artifact = record.metadata.model_dump(mode="json")
    entry = {"user": user, "date": date, "artifact": artifact, "action": action.value}
    logged = {
        "user": dict(user),
        "date": date,
        "action": AuditLogAction(action.value).value,
        "artifact": dict(artifact),
        "note": None,
    }
    return entry, logged


def tombstone(storage: Storage, *, record: ArtifactRecord, principal: Principal | None) -> None:
    """Log that an artifact was deleted, by whom and when (its per-artifact trail goes with it)."""
    date = now_iso()
    entry = AuditLogEntry(
        user=_user(principal),
        date=date,
        artifact=record.metadata,
        action=AuditLogAction.DELETE,
        note=f"source {record.url}",
    )
    database.add_log_entry(storage, _sort_key(date), entry.model_dump(mode="json"))


def log_reset(storage: Storage, *, principal: Principal | None, removed: int) -> None:
    """Start the emptied registry's log with who reset it, when, and how many artifacts went."""
    audit_db.mark_current(storage)  # the emptied log's indexes are complete: no backfill to run
    date = now_iso()
    entry = AuditLogEntry(
        user=_user(principal), date=date, action=AuditLogAction.RESET, note=f"{removed} artifacts removed"
    )
    database.add_log_entry(storage, _sort_key(date), entry.model_dump(mode="json"))


def _user(principal: Principal | None) -> User:
    if principal is None:  # a removal the registry made itself (e.g. a model its rating refused)
        return User(name="registry", is_admin=True)
    return User(name=principal.name, is_admin=principal.is_admin)


def entries(
    storage: Storage,
    wanted: AuditFilter,
    *,
    offset: str | None = None,
    limit: int = 100,
    use_index: bool = True,
) -> tuple[list[AuditLogEntry], str | None]:
    """One page of the log entries that match, oldest first, and the next page's offset (None on the last).

    The time range is a sort-key range (keys start with the date); a user or action filter reads only that
    user's (else that action's) entries; the other filters apply while paging, within a scan budget: a short
    page with an offset means "more may follow", only no offset ends the log. `use_index=False` reads the
    whole log for every filter (the benchmark's baseline).
    """
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}.")
    position = parse_position(offset)
    since, until = _aware(wanted.since), _aware(wanted.until)
    if since and until and since > until:
        raise BadRequest("`since` is after `until`: the time range is empty.")
    after = max(position.after or "", _stamp(since) or "") or None
    stop = None if until is None else f"{_stamp(until) or '9999'}#\U0010ffff"
    partition, rest = _source(storage, wanted, after) if use_index else (database.AUDITLOG, wanted)
    unfiltered = rest == AuditFilter(since=wanted.since, until=wanted.until)  # every entry read matches
    batch = limit + 1 if unfiltered else SCAN_BATCH
    page: list[AuditLogEntry] = []
    skip, scanned, deadline = position.skip, 0, time.monotonic() + SCAN_BUDGET_SECONDS
    while True:
        records = [
            r for r in audit_db.page(storage, partition, after=after, limit=batch) if not stop or r.sk <= stop
        ]
        for index, entry in enumerate(records):
            if not (_keeps(wanted, entry.item) and _in_range(entry.item["date"], since, until)):
                continue
            if skip:
                skip -= 1
                continue
            page.append(AuditLogEntry.model_validate(entry.item))
            if len(page) == limit:
                more = index + 1 < len(records) or len(records) == batch
                return page, (encode_cursor(entry.sk) if more else None)
        if len(records) < batch:
            return page, None
        after, scanned = records[-1].sk, scanned + len(records)
        if (scanned >= SCAN_BUDGET_ENTRIES or time.monotonic() > deadline) and not skip:
            return page, encode_cursor(after)


def _source(storage: Storage, wanted: AuditFilter, after: str | None) -> tuple[str, AuditFilter]:
    """Where the matches are: one user's entries, or one action's (with both: the narrower from `after`
    on), else the whole log; and the filters left to apply while reading."""
    if wanted.user is None and wanted.action is None:
        return database.AUDITLOG, wanted
    audit_db.ensure_indexes(storage)
    by_user = None if wanted.user is None else audit_db.user_partition(wanted.user)
    by_action = None if wanted.action is None else audit_db.action_partition(wanted.action.value)
    if by_user is not None and (by_action is None or _sparser(storage, by_user, by_action, after)):
        return by_user, replace(wanted, user=None)
    return by_action or database.AUDITLOG, replace(wanted, action=None)


def _sparser(storage: Storage, first: str, second: str, after: str | None) -> bool:
    """Whether the first partition holds fewer entries than the second from `after` on, judged by a short
    read of each: fewer entries left, else the same number of entries spread over a longer time."""
    ahead = [storage.records.query_page(pk, after=after, limit=PROBE) for pk in (first, second)]
    if len(ahead[0]) < PROBE or len(ahead[1]) < PROBE:
        return len(ahead[0]) <= len(ahead[1])
    return ahead[0][-1].sk >= ahead[1][-1].sk


def _stamp(moment: datetime | None) -> str | None:
    """A time as the log's sort keys start with it (UTC, milliseconds, Z), to bound a key range."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except OverflowError:  # the edge of the calendar: no bound
        return None


def _keeps(wanted: AuditFilter, item: dict[str, Any]) -> bool:
    if wanted.user is not None and (item.get("user") or {}).get("name") != wanted.user:
        return False
    if wanted.action is not None and item.get("action") != wanted.action.value:
        return False
    artifact = item.get("artifact") or {}
    if wanted.artifact_type is not None and artifact.get("type") != wanted.artifact_type.value:
        return False
    return wanted.artifact_id is None or artifact.get("id") == wanted.artifact_id


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # a time without a zone is UTC, like every date the registry writes


def _in_range(date: str, since: datetime | None, until: datetime | None) -> bool:
    moment = datetime.fromisoformat(date)
    return (since is None or moment >= since) and (until is None or moment <= until)
