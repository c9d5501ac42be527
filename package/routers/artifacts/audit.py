"""The audit history: each artifact's trail (the spec's view) and a registry-wide log that outlives deletes.

Every audit entry is written twice in one transaction: under the artifact (`GET /artifact/{type}/{id}/audit`,
gone with the artifact, as the spec's 404 for a missing artifact requires) and in the registry-wide log
(`GET /audit`), which also receives a DELETE tombstone when an artifact is removed and a RESET entry when the
registry is emptied. The log is read with filters (user, action, type, artifact, time range) and pages.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from package.core.auth_middleware import Principal
from package.core.errors import BadRequest
from package.core.storage import Storage
from package.routers.artifacts import database
from package.routers.artifacts.interface import (
    ArtifactAuditEntry,
    ArtifactRecord,
    ArtifactType,
    AuditAction,
    AuditLogAction,
    AuditLogEntry,
    User,
)
from package.routers.artifacts.mirror import now_iso

MAX_PAGE = 500


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
    user = User(name=principal.name, is_admin=principal.is_admin)
    entry = ArtifactAuditEntry(user=user, date=date, artifact=record.metadata, action=action)
    logged = AuditLogEntry(
        user=user, date=date, artifact=record.metadata, action=AuditLogAction(action.value)
    )
    write = database.add_logged_audit_later if later else database.add_logged_audit
    write(storage, record.id, _sort_key(date), entry.model_dump(mode="json"), logged.model_dump(mode="json"))


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
    storage: Storage, wanted: AuditFilter, *, offset: int = 0, limit: int = 100
) -> tuple[list[AuditLogEntry], int | None]:
    """One page of the log entries that match, oldest first, and the next page's offset (None on the last)."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}.")
    since, until = _aware(wanted.since), _aware(wanted.until)
    if since and until and since > until:
        raise BadRequest("`since` is after `until`: the time range is empty.")
    found = [e for e in map(AuditLogEntry.model_validate, database.audit_log(storage)) if _keeps(wanted, e)]
    found = [e for e in found if _in_range(e.date, since, until)]
    page = found[offset : offset + limit]
    end = offset + len(page)
    return page, (end if end < len(found) else None)


def _keeps(wanted: AuditFilter, entry: AuditLogEntry) -> bool:
    if wanted.user is not None and entry.user.name != wanted.user:
        return False
    if wanted.action is not None and entry.action is not wanted.action:
        return False
    artifact = entry.artifact
    if wanted.artifact_type is not None and (artifact is None or artifact.type is not wanted.artifact_type):
        return False
    return wanted.artifact_id is None or (artifact is not None and artifact.id == wanted.artifact_id)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # a time without a zone is UTC, like every date the registry writes


def _in_range(date: str, since: datetime | None, until: datetime | None) -> bool:
    moment = datetime.fromisoformat(date)
    return (since is None or moment >= since) and (until is None or moment <= until)
