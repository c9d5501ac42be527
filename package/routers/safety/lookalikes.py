"""The registered names and repo ids a new artifact's name is compared with, indexed in memory per process.

The name check (names.confusions) needs, of all registered artifacts, only those that can change its answer:
the ones whose value equals the new one ignoring case (then nothing is reported), those whose skeleton is the
same, and those within the allowed edit distance of it. This index finds exactly those: dictionaries by
lower-cased value and by skeleton, and the distinct skeletons in a segment index (segments.py) that returns
the ones within the allowed edits after a bounded number of lookups, whatever the registry's size (it is
built for the configured distance, and built again if a check asks for another). The candidates go to
names.confusions in registration order (as `all_records` gave them), after the popular list, so the findings
are the ones a comparison with every registered artifact gives.

The entries live in storage (database.py: NAMESKEL), written by the safety domain's artifact hook; every
process keeps its own copy current by reading the change log after the last change it saw, rebuilds it when
the schema epoch changes (reset, backfill) or it fell behind the kept log, and tolerates a gap in the log
(a writer between numbering a change and logging it) for HOLE_GRACE seconds.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from package.core.storage import Storage
from package.routers.artifacts import services as artifact_services
from package.routers.safety import database, names
from package.routers.safety.config import get_safety_settings
from package.routers.safety.segments import NearIndex, SegmentIndex

NearFactory = Callable[[int], NearIndex]  # a distance -> an empty edit-distance index built for it

_KEPT_KEYS = ("created_at", "id", "name", "repo_id", "label", "name_skel", "repo_skel")
HOLE_GRACE = 60.0  # seconds a missing log entry is waited for before its writer is presumed gone


def entry_of(*, artifact_id: str, name: str, repo_id: str, kind: str, created_at: str) -> dict[str, Any]:
    """The compact, pre-folded entry an artifact is compared by."""
    return {
        "id": artifact_id,
        "name": name,
        "repo_id": repo_id,
        "label": f"registered {kind} {name!r} ({artifact_id})",
        "name_skel": names.skeleton(name),
        "repo_skel": names.skeleton(repo_id),
        "created_at": created_at,
    }


class _Kept(NamedTuple):
    """What a process keeps of an artifact's entry (a tuple: 100,000 of them stay small)."""

    created_at: str
    artifact_id: str
    name: str
    repo_id: str
    label: str
    name_skel: str
    repo_skel: str


def _file(index: dict[str, str | set[str]], key: str, artifact_id: str) -> None:
    """Add an id under a key; a lone id is kept as itself, not as a set of one (most keys have one)."""
    held = index.get(key)
    if held is None:
        index[key] = artifact_id
    elif isinstance(held, str):
        index[key] = {held, artifact_id}
    else:
        held.add(artifact_id)


def _unfile(index: dict[str, str | set[str]], key: str, artifact_id: str) -> None:
    held = index.get(key)
    if held == artifact_id:
        del index[key]
    elif isinstance(held, set):
        held.discard(artifact_id)
        if len(held) == 1:
            index[key] = held.pop()


def _filed(index: dict[str, str | set[str]], key: str) -> set[str]:
    held = index.get(key)
    return set() if held is None else {held} if isinstance(held, str) else set(held)


class _Values:
    """One field (name or repo id) of every registered artifact: by lower-cased value, skeleton, edits."""

    def __init__(self, near: NearFactory, distance: int) -> None:
        self.by_lower: dict[str, str | set[str]] = {}
        self.by_skeleton: dict[str, str | set[str]] = {}
        self.near: NearIndex = near(distance)  # distinct skeletons (an id's one is in by_skeleton)
        self.distance = distance

    def add(self, artifact_id: str, value: str, skel: str) -> None:
        _file(self.by_lower, value.lower(), artifact_id)
        if skel not in self.by_skeleton:
            self.near.add(skel)
        _file(self.by_skeleton, skel, artifact_id)

    def remove(self, artifact_id: str, value: str, skel: str) -> None:
        _unfile(self.by_lower, value.lower(), artifact_id)
        _unfile(self.by_skeleton, skel, artifact_id)
        if skel not in self.by_skeleton:
            self.near.remove(skel)

    def refile(self, near: NearFactory, distance: int) -> None:
        """Build the edit-distance index again for another distance (its segments depend on it)."""
        self.near, self.distance = near(distance), distance
        for skel in self.by_skeleton:
            self.near.add(skel)

    def candidates(self, value: str, distance: int) -> set[str]:
        """Ids whose value could change the check of `value`: same ignoring case, same skeleton, or near."""
        mine = names.skeleton(value)
        found = _filed(self.by_lower, value.lower()) | _filed(self.by_skeleton, mine)
        for skel in self.near.near(mine, names.allowed_edits(value, distance)):
            found |= _filed(self.by_skeleton, skel)
        return found


class NameIndex:
    """A process's copy of the registered names, kept current from storage."""

    def __init__(self, near: NearFactory = SegmentIndex, distance: int | None = None) -> None:
        self._near = near
        self._distance = get_safety_settings().safety_name_distance if distance is None else distance
        self._lock = threading.Lock()
        self._epoch: str | None = None
        self._seen = 0
        self._holes: dict[int, float] = {}  # change numbers not logged yet -> when first missed
        self._entries: dict[str, _Kept] = {}
        self._names = _Values(near, self._distance)
        self._repos = _Values(near, self._distance)

    # ----- reading ---------------------------------------------------------------------------------
    def targets(
        self, storage: Storage, *, artifact_id: str, name: str, repo_id: str, distance: int
    ) -> tuple[list[names.Target], list[names.Target]]:
        """(repo id targets, name targets): the popular list, then the registered ones that matter, by age."""
        with self._lock:
            self._refresh(storage)
            if distance != self._distance:  # the setting changed (tests): its segments differ
                self._distance = distance
                self._names.refile(self._near, distance)
                self._repos.refile(self._near, distance)
            id_targets, name_targets = names.popular_targets()
            for value, values, is_repo, targets in (
                (repo_id, self._repos, True, id_targets),
                (name, self._names, False, name_targets),
            ):
                found = [self._entries[i] for i in values.candidates(value, distance) if i != artifact_id]
                found.sort()  # registration time, then id: the order of `all_records`
                targets += [names.Target(k.repo_id if is_repo else k.name, k.label) for k in found]
            return id_targets, name_targets

    def __len__(self) -> int:
        return len(self._entries)

    # ----- writing ---------------------------------------------------------------------------------
    def put(self, storage: Storage, entry: dict[str, Any]) -> None:
        """Store an artifact's entry, log the change and apply it here."""
        with self._lock:
            self._refresh(storage)
            self._written(database.save_name_entry(storage, entry))
            self._apply(str(entry["id"]), entry)

    def remove(self, storage: Storage, artifact_id: str) -> None:
        """Remove an artifact's entry, log the change and apply it here."""
        with self._lock:
            self._refresh(storage)
            self._written(database.remove_name_entry(storage, artifact_id))
            self._apply(artifact_id, None)

    def start_over(self, storage: Storage) -> None:
        """After a reset: the emptied registry's index is complete under a new epoch."""
        with self._lock:
            database.mark_name_index(storage, uuid.uuid4().hex, only_if_absent=False)
            self._epoch = None  # the next use reloads (the reset left nothing to load)

    def ensure(self, storage: Storage) -> None:
        """Backfill (once per database) and load this process's copy."""
        with self._lock:
            self._refresh(storage)

    # ----- keeping current -------------------------------------------------------------------------
    def _written(self, seq: int) -> None:
        if seq == self._seen + 1 and not self._holes:  # nobody else changed anything meanwhile
            self._seen = seq

    def _refresh(self, storage: Storage) -> None:
        schema, seq = database.name_index_state(storage)
        if schema is None:
            _backfill(storage)
            schema, seq = database.name_index_state(storage)
        epoch = str((schema or {}).get("epoch"))
        if epoch != self._epoch or seq < self._seen or seq - self._seen > database.NAME_LOG_KEEP // 2:
            self._reload(storage, epoch, seq)
        elif seq > self._seen or self._holes:
            self._catch_up(storage, seq)

    def _reload(self, storage: Storage, epoch: str, seq: int) -> None:
        self._entries = {}
        self._names, self._repos = _Values(self._near, self._distance), _Values(self._near, self._distance)
        for entry in database.name_entries(storage):  # written before `seq` was read, or logged after it
            self._apply(str(entry["id"]), entry)
        self._epoch, self._seen, self._holes = epoch, seq, {}

    def _catch_up(self, storage: Storage, seq: int) -> None:
        now = time.monotonic()
        changes = database.name_changes(storage, after=self._seen, upto=seq)
        for missing in set(range(self._seen + 1, seq + 1)) - set(changes):
            self._holes.setdefault(missing, now)
        if self._holes:
            filled = database.name_changes_at(storage, list(self._holes))
            changes.update(filled)
            self._holes = {s: t for s, t in self._holes.items() if s not in filled and now - t < HOLE_GRACE}
        self._seen = max(self._seen, seq)
        for artifact_id, entry in database.name_entries_by_id(storage, set(changes.values())).items():
            self._apply(artifact_id, entry)

    def _apply(self, artifact_id: str, entry: dict[str, Any] | None) -> None:
        old = self._entries.pop(artifact_id, None)
        if old is not None:
            self._names.remove(artifact_id, old.name, old.name_skel)
            self._repos.remove(artifact_id, old.repo_id, old.repo_skel)
        if entry is not None:
            kept = _Kept(*(str(entry[key]) for key in _KEPT_KEYS))
            self._entries[artifact_id] = kept
            self._names.add(artifact_id, kept.name, kept.name_skel)
            self._repos.add(artifact_id, kept.repo_id, kept.repo_skel)


def _backfill(storage: Storage) -> str:
    """Fill NAMESKEL from the registered artifacts of a database from before the index; returns the epoch."""
    for record in artifact_services.all_records(storage, include_hidden=True):
        entry = entry_of(
            artifact_id=record.id,
            name=record.name,
            repo_id=record.repo_id,
            kind=record.type.value,
            created_at=record.created_at,
        )
        database.backfill_name_entry(storage, entry)
    return database.mark_name_index(storage, uuid.uuid4().hex, only_if_absent=True)
