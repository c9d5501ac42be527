"""Bookkeeping writes taken off the request path: counters and appended items, written to storage in batches.

A download used to pay for a token use count and an audit entry in storage before its first byte. Here a
request adds to this process's buffer (a dictionary update under a lock) and a background thread writes the
buffer every `flush_seconds`, or sooner once `max_pending` writes wait; a clean shutdown (the app's lifespan)
and every reader that must see them (`flush()`) write what is pending first.

- Counters stay exact: increments of one counter are merged into one atomic `increment(amount=n)`, so none is
  lost, whichever process adds them. `count()` answers the count as this process knows it (the stored value
  its last flush saw plus its own pending uses), exact within one process, at most one flush behind the
  other processes' uses.
- Appended groups (e.g. an audit entry's two items) are written in the order they were added, several groups
  per storage transaction, as DynamoDB allows: one operation per item (equal Checks merged; groups that
  write one item, or check it under different conditions, go in separate transactions).
- A flush that fails keeps everything pending and tries again on the next one; a group whose Check fails
  (what it depends on was deleted, or the registry reset, by any process meanwhile) is dropped alone, or
  replaced by what its `otherwise` callback answers then (e.g. a download's entry in the registry-wide log,
  which outlives a deletion but not a reset).
With `flush_seconds` 0 (AWS Lambda, whose process freezes between invocations) every write goes through at
once, as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from package.core.background import ProcessWide, in_lambda
from package.core.config import get_settings
from package.core.storage import Check, ConditionFailed, Storage
from package.core.storage.interface import Operation

logger = logging.getLogger("registry.write_behind")

_MAX_COUNTERS = 10_000  # counters idle since the last flush are forgotten beyond this many


@dataclass
class _Counter:
    storage: Storage
    pk: str
    sk: str
    field_name: str
    known: int  # the stored value, as of this process's last read or flush
    pending: int = 0  # uses not yet taken by a flush
    flying: int = 0  # uses a flush has taken and not yet seen stored: still counted by `count`


class _Group(list[Operation]):
    """One appended group of writes; `otherwise` answers what to write instead when its Check fails."""

    otherwise: Callable[[], Sequence[Operation]] | None = None


@dataclass
class _Appends:
    storage: Storage
    groups: list[list[Operation]] = field(default_factory=list)


class WriteBehind:
    """This process's buffer of counter increments and appended writes, flushed in the background."""

    def __init__(self, *, flush_seconds: float, max_pending: int = 256) -> None:
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._counters: dict[tuple[int, str, str, str], _Counter] = {}
        self._appends: dict[int, _Appends] = {}
        self._pending = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.flushes = 0
        self.failures = 0
        self.dropped = 0  # groups whose Check failed when written, with nothing written instead
        self.replaced = 0  # groups whose Check failed and whose `otherwise` writes went in instead

    @property
    def synchronous(self) -> bool:
        """Whether writes go through at once (no background thread)."""
        return self.flush_seconds <= 0

    def count(self, storage: Storage, pk: str, sk: str, field_name: str) -> int:
        """Add one to a stored counter; the count after it, as this process knows it."""
        if self.synchronous:
            return storage.records.increment(pk, sk, field_name)
        key = (id(storage), pk, sk, field_name)
        with self._lock:
            counter = self._counters.get(key)
        if counter is None:  # first use in this process: one read
            stored = int((storage.records.get(pk, sk) or {}).get(field_name, 0) or 0)
            with self._lock:
                counter = self._counters.setdefault(key, _Counter(storage, pk, sk, field_name, stored))
        with self._lock:
            counter.pending += 1
            total = counter.known + counter.flying + counter.pending
            self._added(1)
        return total

    def append(
        self,
        storage: Storage,
        operations: Sequence[Operation],
        *,
        otherwise: Callable[[], Sequence[Operation]] | None = None,
    ) -> None:
        """Write `operations` together, after every group appended before them.

        A group may hold a Check (e.g. that its artifact still exists): when it fails, the group is dropped
        (the groups batched with it are written without it) and `otherwise()`, if given, is asked then what
        to write instead (nothing: an empty sequence). ValueError for a group that writes one item twice or
        checks it under two conditions: no DynamoDB transaction can hold it, so it could never be written."""
        if _unwritable(operations):
            raise ValueError("a write-behind group writes one item twice or checks it two different ways")
        group = _Group(operations)
        group.otherwise = otherwise
        if self.synchronous:
            self._write_group(storage, group)
            return
        with self._lock:
            self._appends.setdefault(id(storage), _Appends(storage)).groups.append(group)
            self._added(len(operations))

    def _added(self, n: int) -> None:
        # Called under the lock.
        self._pending += n
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="write-behind", daemon=True)
            self._thread.start()
        if self._pending >= self.max_pending:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Writes waiting for the next flush (each increment and each operation counts one)."""
        with self._lock:
            return self._pending

    def flush(self) -> int:
        """Write everything pending now; returns how many writes went out (0 when storage failed)."""
        with self._flush_lock:
            with self._lock:
                counters = [(c, c.pending) for c in self._counters.values() if c.pending]
                for counter, n in counters:
                    counter.pending -= n
                    counter.flying += n
                appends, self._appends = list(self._appends.values()), {}
                taken = sum(n for _, n in counters) + sum(len(g) for a in appends for g in a.groups)
                self._pending -= taken
                self._trim()
            try:
                self._write(counters, appends)
            except Exception as exc:  # storage down: keep what is left and try again next time
                self._keep(counters, appends, exc)
                return 0
            self.flushes += bool(taken)
            return taken

    def _write(self, counters: list[tuple[_Counter, int]], appends: list[_Appends]) -> None:
        while appends:
            batch = appends[0]
            while batch.groups:
                taken = _next_transaction(batch.groups, batch.storage.records.transaction_limit)
                try:
                    batch.storage.records.transact(_merged(taken))
                except ConditionFailed:  # a group's Check failed: write them one by one, drop that one
                    batch.groups[:0] = taken
                    self._write_groups(batch, len(taken))
                except Exception:
                    batch.groups[:0] = taken  # kept: written again on the next flush
                    raise
            appends.pop(0)
        while counters:
            counter, n = counters[0]
            stored = counter.storage.records.increment(counter.pk, counter.sk, counter.field_name, n)
            with self._lock:
                counter.known = stored
                counter.flying -= n
            counters.pop(0)

    def _write_groups(self, batch: _Appends, n: int) -> None:
        """Write the first `n` groups of `batch` one by one; a group whose Check fails is dropped."""
        for _ in range(n):
            self._write_group(batch.storage, batch.groups[0])
            batch.groups.pop(0)

    def _write_group(self, storage: Storage, group: list[Operation]) -> None:
        try:
            storage.records.transact(_merged([group]))
            return
        except ConditionFailed:
            otherwise = getattr(group, "otherwise", None)
        instead = list(otherwise()) if otherwise is not None else []
        if instead:
            try:
                storage.records.transact(instead)
                self.replaced += 1
                return
            except ConditionFailed:
                pass
        self.dropped += 1
        logger.info("batched write dropped: what it depends on is gone (a reset or a deletion)")

    def _keep(self, counters: list[tuple[_Counter, int]], appends: list[_Appends], exc: Exception) -> None:
        self.failures += 1
        logger.warning("write-behind flush failed: %s", exc)
        with self._lock:
            for counter, n in counters:
                counter.flying -= n
                counter.pending += n
                self._pending += n
            for batch in reversed(appends):
                kept = self._appends.setdefault(id(batch.storage), _Appends(batch.storage))
                kept.groups[:0] = batch.groups
                self._pending += sum(len(g) for g in batch.groups)

    def _trim(self) -> None:
        # Called under the lock: forget idle counters (their next use reads storage again).
        if len(self._counters) > _MAX_COUNTERS:
            for key in [k for k, c in self._counters.items() if not c.pending and not c.flying]:
                del self._counters[key]

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """Stop the background thread and write what is pending (the app is shutting down)."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)
        self.flush()


def _unwritable(operations: Sequence[Operation]) -> bool:
    """Whether two writes, or two different Checks, address one item (equal Checks are merged into one; a
    Check of an item the group writes becomes that write's condition)."""
    checks: dict[tuple[str, str], Check] = {}
    writes = [(op.pk, op.sk) for op in operations if not isinstance(op, Check)]
    differ = any(isinstance(op, Check) and checks.setdefault((op.pk, op.sk), op) != op for op in operations)
    return differ or len(writes) != len(set(writes))


def _next_transaction(groups: list[list[Operation]], limit: int) -> list[list[Operation]]:
    """Take the leading groups that fit one transaction: at most `limit` operations, and no item
    written twice, both checked and written, or checked under two different conditions (DynamoDB refuses
    two operations on one item; equal Checks are merged into one). The first group is always taken."""
    taken: list[list[Operation]] = []
    written: set[tuple[str, str]] = set()
    checked: dict[tuple[str, str], Check] = {}
    while groups:
        group = groups[0]
        writes = {(op.pk, op.sk) for op in group if not isinstance(op, Check)}
        checks = {(op.pk, op.sk): op for op in group if isinstance(op, Check)}
        too_many = sum(map(len, taken)) + len(group) > limit
        differs = any(checked.get(key, check) != check for key, check in checks.items())
        if taken and (too_many or differs or writes & (written | checked.keys()) or checks.keys() & written):
            break
        taken.append(groups.pop(0))
        written |= writes
        checked.update(checks)
    return taken


def _merged(groups: list[list[Operation]]) -> list[Operation]:
    """The groups' operations as one transaction, each distinct Check once (e.g. several downloads' audit
    entries of one artifact): DynamoDB refuses a transaction with two operations on one item."""
    merged: list[Operation] = []
    checks: list[Check] = []
    for op in (op for group in groups for op in group):
        if isinstance(op, Check):
            if op in checks:
                continue
            checks.append(op)
        merged.append(op)
    return merged


def _create() -> WriteBehind:
    # A Lambda process is frozen between invocations and may never be shut down cleanly: write at once.
    return WriteBehind(flush_seconds=0 if in_lambda() else get_settings().write_behind_ms / 1000)


_write_behind = ProcessWide(_create, WriteBehind.close)


def get_write_behind() -> WriteBehind:
    """The process-wide write-behind buffer."""
    return _write_behind.get()


def flush_pending_writes() -> None:
    """Write this process's pending bookkeeping now (before reading it back, or before a reset)."""
    if _write_behind.exists():
        get_write_behind().flush()


def close_write_behind() -> None:
    """Flush and stop this process's buffer (clean shutdown); a new one starts on next use."""
    _write_behind.reset()
