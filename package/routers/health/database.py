"""Every storage access of the health domain: activity minute buckets and the storage probes' round trips.

Activity: one item per (minute, process) in a partition per UTC day, so every process of every container
writes only its own items (no read-modify-write, no contention) and a window reads one or two partitions:
    pk `health#activity#YYYY-MM-DD`, sk `HH:MM#<process>`, item {minute, process, host, tally}
and an index of the days that hold activity, for pruning: pk `health#activity-days`, sk `YYYY-MM-DD`.

Download benchmark runs: pk `health#download-benchmark`, sk `<job id>` (ids sort by start time), the run as
`DownloadBenchmarkRun` dumps it; and the one-run-at-a-time lock of every process sharing this storage:
pk `health#download-benchmark-lock`, sk `lock`, item {job_id, expires_at}.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from package.core.storage import Check, ConditionFailed, Delete, Put, Storage, StorageError

ACTIVITY_PK = "health#activity#"
DAYS_PK = "health#activity-days"
PROBE_PK = "health#probe"
BENCHMARK_PK = "health#download-benchmark"
BENCHMARK_LOCK_PK, _LOCK_SK = "health#download-benchmark-lock", "lock"
_BATCH = 25  # items per transaction (DynamoDB allows 100; small batches keep each write short)


@dataclass(frozen=True)
class StoredMinute:
    """One process's tally of one minute, as stored."""

    minute: int
    process: str
    host: str
    tally: dict[str, Any]


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def day_of(minute: int) -> str:
    """The UTC day (YYYY-MM-DD) of an epoch minute."""
    return _moment(minute).strftime("%Y-%m-%d")


def _keys(minute: int, process: str) -> tuple[str, str]:
    return ACTIVITY_PK + day_of(minute), f"{_moment(minute).strftime('%H:%M')}#{process}"


def write_minutes(
    storage: Storage,
    *,
    process: str,
    host: str,
    tallies: Mapping[int, dict[str, Any]],
    new_days: Iterable[str],
) -> None:
    """Store this process's tallies (each replaces the process's earlier item for its minute)."""
    puts: list[Put] = [Put(DAYS_PK, day, {"day": day}) for day in new_days]
    for minute, tally in tallies.items():
        pk, sk = _keys(minute, process)
        puts.append(Put(pk, sk, {"minute": minute, "process": process, "host": host, "tally": tally}))
    for start in range(0, len(puts), _BATCH):
        storage.records.transact(puts[start : start + _BATCH])


def read_minutes(storage: Storage, first: int, last: int) -> list[StoredMinute]:
    """Every process's tallies of the minutes `first`..`last` (inclusive)."""
    found: list[StoredMinute] = []
    for pk, prefix in _ranges(first, last):
        for record in storage.records.query(pk, prefix=prefix):
            item = record.item
            minute = item.get("minute")
            if isinstance(minute, int) and first <= minute <= last and isinstance(item.get("tally"), dict):
                found.append(
                    StoredMinute(minute, str(item.get("process")), str(item.get("host")), item["tally"])
                )
    return found


def _ranges(first: int, last: int) -> list[tuple[str, str]]:
    """(partition, sort-key prefix) pairs covering the minutes: per hour when few, else whole days."""
    hours = range(first // 60, last // 60 + 1)
    if len(hours) <= 3:
        return [(ACTIVITY_PK + day_of(h * 60), _moment(h * 60).strftime("%H:")) for h in hours]
    return [(ACTIVITY_PK + day_of(d * 1440), "") for d in range(first // 1440, last // 1440 + 1)]


def prune_days(storage: Storage, *, before: str) -> int:
    """Delete the activity of every UTC day before `before` (YYYY-MM-DD); returns the items removed."""
    removed = 0
    for index in storage.records.query(DAYS_PK):
        day = index.sk
        if day >= before:
            continue
        items = storage.records.query(ACTIVITY_PK + day)
        deletes = [Delete(r.pk, r.sk) for r in items] + [Delete(DAYS_PK, day)]
        for start in range(0, len(deletes), _BATCH):
            storage.records.transact(deletes[start : start + _BATCH])
        removed += len(items)
    return removed


def read_probe_record(storage: Storage) -> None:
    """One record read (no write: readiness is asked every few seconds by every orchestrator)."""
    storage.records.get(PROBE_PK, "ready")


def look_up_probe_blob(storage: Storage) -> None:
    """One blob look-up by address (no write)."""
    storage.blobs.exists("0" * 64)


def records_round_trip(storage: Storage, *, process: str) -> None:
    """Write, read back, compare and delete a probe record; raises StorageError on any difference."""
    nonce = secrets.token_hex(8)
    sk = f"{process}#{nonce}"
    storage.records.put(PROBE_PK, sk, {"nonce": nonce})
    try:
        item = storage.records.get(PROBE_PK, sk)
        if item is None or item.get("nonce") != nonce:
            raise StorageError("the record written by the probe read back different or not at all")
    finally:
        storage.records.delete(PROBE_PK, sk)


def blobs_round_trip(storage: Storage, *, process: str) -> int:
    """Write, read back, compare and delete a probe blob; returns its size; StorageError on a mismatch."""
    payload = f"registry storage probe {process} {secrets.token_hex(16)}\n".encode()
    with storage.blobs.writer() as writer:
        writer.write(payload)
    info = writer.info
    if info is None:
        raise StorageError("the blob store did not confirm the probe blob")
    try:
        try:
            echoed = b"".join(storage.blobs.read_chunks(info.sha256))
        except OSError as exc:
            raise StorageError(f"the probe blob could not be read back: {exc}") from exc
        if echoed != payload:
            raise StorageError("the probe blob read back different from what was written")
    finally:
        storage.blobs.delete(info.sha256)
    return info.size


def take_benchmark_lock(storage: Storage, job_id: str, *, expires_at: float, now: float) -> bool:
    """Hold the benchmark lock for `job_id` until `expires_at`; False while another run holds it.

    A lock whose holder died (past its expiry) is taken over, conditionally on it still naming that holder.
    """
    item = {"job_id": job_id, "expires_at": expires_at}
    try:
        storage.records.put(BENCHMARK_LOCK_PK, _LOCK_SK, item, if_absent=True)
        return True
    except ConditionFailed:
        held = storage.records.get(BENCHMARK_LOCK_PK, _LOCK_SK)
    if held is None or float(held.get("expires_at") or 0) > now:
        return False  # still held (or released an instant ago: the caller may simply try again)
    try:
        storage.records.transact(
            [
                Check(BENCHMARK_LOCK_PK, _LOCK_SK, equals={"job_id": held.get("job_id")}),
                Put(BENCHMARK_LOCK_PK, _LOCK_SK, item),
            ]
        )
    except ConditionFailed:
        return False
    return True


def release_benchmark_lock(storage: Storage, job_id: str) -> None:
    """Let the next run start, if `job_id` still holds the lock."""
    # ConditionFailed: a reset removed it, or a later run took over an expired lock: theirs now.
    with contextlib.suppress(ConditionFailed):
        storage.records.transact(
            [
                Check(BENCHMARK_LOCK_PK, _LOCK_SK, equals={"job_id": job_id}),
                Delete(BENCHMARK_LOCK_PK, _LOCK_SK),
            ]
        )


def put_benchmark_run(storage: Storage, job_id: str, run: dict[str, Any], *, holding: bool = True) -> bool:
    """Store a run; while `holding`, only if its job still holds the lock (False: a reset or a takeover
    removed it, and nothing was written, so a reset's empty registry stays empty)."""
    if not holding:
        storage.records.put(BENCHMARK_PK, job_id, run)
        return True
    try:
        storage.records.transact(
            [Check(BENCHMARK_LOCK_PK, _LOCK_SK, equals={"job_id": job_id}), Put(BENCHMARK_PK, job_id, run)]
        )
    except ConditionFailed:
        return False
    return True


def get_benchmark_run(storage: Storage, job_id: str) -> dict[str, Any] | None:
    """One stored run, or None."""
    return storage.records.get(BENCHMARK_PK, job_id)


def list_benchmark_runs(storage: Storage) -> list[tuple[str, dict[str, Any]]]:
    """Every stored run as (job id, item), oldest first."""
    return sorted((record.sk, record.item) for record in storage.records.query(BENCHMARK_PK))


def delete_benchmark_runs(storage: Storage, job_ids: Iterable[str]) -> None:
    """Forget these runs."""
    deletes = [Delete(BENCHMARK_PK, job_id) for job_id in job_ids]
    for start in range(0, len(deletes), _BATCH):
        storage.records.transact(deletes[start : start + _BATCH])


def benchmark_lock(storage: Storage) -> dict[str, Any] | None:
    """The benchmark lock as stored ({job_id, expires_at}), or None when no run holds it."""
    return storage.records.get(BENCHMARK_LOCK_PK, _LOCK_SK)
