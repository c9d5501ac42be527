"""The registry-wide audit log's indexes: the same entries filed by user and by action.

Item layout (partition key / sort key), written in the same transaction as the log entry itself:
  AUDITUSER#<user name> / <date>#<ns>#<rand>   a copy of every log entry of one user (long names: sha256)
  AUDITACT#<action> / <date>#<ns>#<rand>       a copy of every log entry of one action
  SCHEMA / audit-index                         {"version": N}: the indexes are complete

The sort keys are the log's own, so a `GET /audit` cursor resumes in any of them, and a filter on a user
or an action reads only the entries that match it. Log entries never change (only a reset removes them),
so a backfill copies each one once, on the condition that it is still in the log: a backfill racing a
reset never files an entry the reset removed, and two processes backfilling at once write the same copies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from package.core.index_mark import IndexMark, file_partition
from package.core.storage import Check, ConditionFailed, Put, Record, Storage
from package.core.storage.interface import Operation
from package.core.write_behind import flush_pending_writes

AUDITLOG = "AUDITLOG"
USER = "AUDITUSER"
ACTION = "AUDITACT"
SCHEMA = "SCHEMA"
SCHEMA_SK = "audit-index"
SCHEMA_VERSION = 1
BACKFILL_READ = 500
BACKFILL_BATCH = 30  # three operations per entry: 90 per transaction, under DynamoDB's 100
_MAX_KEY_BYTES = 400  # DynamoDB partition keys hold 2,048 bytes; long user names are hashed
INDEX = IndexMark(SCHEMA, SCHEMA_SK, SCHEMA_VERSION)


def user_partition(user_name: str) -> str:
    """The index partition of one user's entries."""
    if len(user_name.encode()) > _MAX_KEY_BYTES:
        return f"{USER}#sha256:" + hashlib.sha256(user_name.encode()).hexdigest()
    return f"{USER}#{user_name}"


def action_partition(action: str) -> str:
    """The index partition of one action's entries (CREATE, DOWNLOAD, DELETE, RESET, ...)."""
    return f"{ACTION}#{action}"


def index_puts(sort_key: str, log_entry: dict[str, Any]) -> list[Operation]:
    """Writes that file one log entry under its user and its action, beside the log's own write."""
    user = (log_entry.get("user") or {}).get("name")
    partitions = [action_partition(str(log_entry.get("action")))]
    if isinstance(user, str):
        partitions.append(user_partition(user))
    return [Put(pk, sort_key, log_entry) for pk in partitions]


def log_puts(sort_key: str, log_entry: dict[str, Any]) -> list[Operation]:
    """The log entry's write and its index writes, to apply in one transaction."""
    return [Put(AUDITLOG, sort_key, log_entry), *index_puts(sort_key, log_entry)]


def unless_reset_after(
    storage: Storage, sort_key: str, operations: list[Operation]
) -> Callable[[], Sequence[Operation]]:
    """`operations` (a log entry's writes, batched), or none if a reset was logged after `sort_key` by then:
    a download's entry outlives its artifact's deletion by another process, not a reset (which starts the
    log again). The read and the write are not one transaction: a reset between them (a few ms, once its
    RESET entry is in) can be preceded in the new log by such an entry, stamped with its own earlier time."""

    def decide() -> Sequence[Operation]:
        later_reset = storage.records.query_page(action_partition("RESET"), after=sort_key, limit=1)
        return [] if later_reset else operations

    return decide


def page(storage: Storage, partition: str, *, after: str | None, limit: int) -> list[Record]:
    """Up to `limit` entries of the log or one of its indexes after a sort key, oldest first."""
    flush_pending_writes()  # this process's batched entries first, so a reader sees its own downloads
    return storage.records.query_page(partition, after=after, limit=limit)


def mark_current(storage: Storage) -> None:
    """Record that the indexes are complete (after a backfill, or a reset that emptied the log)."""
    INDEX.mark(storage)


def ensure_indexes(storage: Storage) -> int:
    """Backfill the indexes of a log from before them, once; returns how many entries were filed."""
    return INDEX.ensure(storage, _backfill)


def _backfill(storage: Storage, _stored_version: int) -> int:
    def file(batch: list[Record]) -> int:
        return _file(storage, batch)

    return file_partition(storage, AUDITLOG, file, read=BACKFILL_READ, batch=BACKFILL_BATCH)


def _backfill_ops(entry: Record) -> list[Operation]:
    # Only if the entry is still in the log: a reset meanwhile removed it, and must not find it indexed.
    return [Check(AUDITLOG, entry.sk), *index_puts(entry.sk, entry.item)]


def _file(storage: Storage, entries: list[Record]) -> int:
    try:
        storage.records.transact([op for e in entries for op in _backfill_ops(e)])
        return len(entries)
    except ConditionFailed:
        pass  # some went with a reset: file the rest one by one
    filed = 0
    for entry in entries:
        try:
            storage.records.transact(_backfill_ops(entry))
            filed += 1
        except ConditionFailed:
            continue
    return filed
