"""Request activity: per-minute tallies kept in memory, written to storage in batches by a background thread.

Recording a request costs a few dictionary updates under a lock; storage sees one write per process per minute
touched, every `health_flush_seconds`. Readers merge every process's stored minutes with this process's
in-memory ones, so the picture is exact for this process and at most one flush behind for the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from package.core.request_log import RequestRecord
from package.core.storage import Storage
from package.routers.health import database

logger = logging.getLogger("registry.health.activity")

# The registry answers 502/504 when an upstream failed: the upstream's component shows that (its probes),
# so they do not make the registry's own domain look broken (Prometheus still counts them by status).
UPSTREAM_FAULT_STATUSES = frozenset({502, 504})
LATENCY_BOUNDS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
MAX_CLIENTS_PER_MINUTE = 1000
_GRACE_MINUTES = 2  # closed minutes stay in memory this long, for requests finishing right at the boundary
_IDLE_FLUSHES_BEFORE_EXIT = 12
_PRUNE_EVERY_SECONDS = 3600.0


def _lat_zeros() -> list[int]:
    return [0] * (len(LATENCY_BOUNDS_MS) + 1)


@dataclass
class Tally:
    """Requests of one route, domain or the whole API in one minute (or merged over many)."""

    count: int = 0
    client_errors: int = 0
    server_errors: int = 0
    duration_ms_sum: float = 0.0
    duration_ms_max: float = 0.0
    latency: list[int] = field(default_factory=_lat_zeros)

    def add(self, status: int, duration_ms: float) -> None:
        """Count one answered request."""
        self.count += 1
        if status >= 500 and status not in UPSTREAM_FAULT_STATUSES:
            self.server_errors += 1
        elif 400 <= status < 500:
            self.client_errors += 1
        self.duration_ms_sum += duration_ms
        self.duration_ms_max = max(self.duration_ms_max, duration_ms)
        self.latency[bisect_left(LATENCY_BOUNDS_MS, duration_ms)] += 1

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.count += other.count
        self.client_errors += other.client_errors
        self.server_errors += other.server_errors
        self.duration_ms_sum += other.duration_ms_sum
        self.duration_ms_max = max(self.duration_ms_max, other.duration_ms_max)
        self.latency = [a + b for a, b in zip(self.latency, other.latency, strict=True)]

    def percentile_ms(self, share: float) -> float | None:
        """Upper bound of the latency bucket holding the `share` quantile (the maximum for the last one)."""
        if self.count == 0:
            return None
        needed = share * self.count
        seen = 0
        for index, count in enumerate(self.latency):
            seen += count
            if seen >= needed:
                if index < len(LATENCY_BOUNDS_MS):
                    return min(LATENCY_BOUNDS_MS[index], self.duration_ms_max)
                return self.duration_ms_max
        return self.duration_ms_max

    def to_item(self) -> dict[str, Any]:
        """The tally as a storage item."""
        return {
            "n": self.count,
            "e4": self.client_errors,
            "e5": self.server_errors,
            "ms": round(self.duration_ms_sum, 3),
            "max": round(self.duration_ms_max, 3),
            "lat": list(self.latency),
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Tally:
        """A tally read back from storage (tolerant of missing fields)."""
        latency = item.get("lat")
        if not isinstance(latency, list) or len(latency) != len(LATENCY_BOUNDS_MS) + 1:
            latency = _lat_zeros()
        return cls(
            count=int(item.get("n", 0)),
            client_errors=int(item.get("e4", 0)),
            server_errors=int(item.get("e5", 0)),
            duration_ms_sum=float(item.get("ms", 0.0)),
            duration_ms_max=float(item.get("max", 0.0)),
            latency=[int(v) for v in latency],
        )


def client_key(record: RequestRecord) -> str | None:
    """A short opaque id of the caller: its credential (token), else the user, else the address.

    The token comes first because every request carries it, also to routes that never check it (which
    therefore never learn the user's name): one caller then counts once, whichever routes it calls.
    """
    if record.credential_digest:
        raw = f"credential:{record.credential_digest}"
    elif record.user:
        raw = f"user:{record.user}"
    elif record.client:
        raw = f"address:{record.client}"
    else:
        return None
    return hashlib.blake2b(raw.encode(), digest_size=6).hexdigest()


@dataclass
class MinuteTally:
    """Everything one process saw in one minute."""

    total: Tally = field(default_factory=Tally)
    routes: dict[str, Tally] = field(default_factory=dict)
    route_domains: dict[str, str] = field(default_factory=dict)
    domains: dict[str, Tally] = field(default_factory=dict)
    artifact_types: dict[str, int] = field(default_factory=dict)
    clients: set[str] = field(default_factory=set)
    clients_capped: bool = False
    response_bytes: int = 0

    def add(self, record: RequestRecord) -> None:
        """Count one request."""
        self.total.add(record.status, record.duration_ms)
        self.routes.setdefault(record.route_key, Tally()).add(record.status, record.duration_ms)
        if record.domain:
            self.route_domains[record.route_key] = record.domain
            self.domains.setdefault(record.domain, Tally()).add(record.status, record.duration_ms)
        if record.artifact_type:
            self.artifact_types[record.artifact_type] = self.artifact_types.get(record.artifact_type, 0) + 1
        key = client_key(record)
        if key is not None and key not in self.clients:
            if len(self.clients) < MAX_CLIENTS_PER_MINUTE:
                self.clients.add(key)
            else:
                self.clients_capped = True
        self.response_bytes += record.response_bytes

    def merge(self, other: MinuteTally) -> None:
        """Add another tally (another process, or another minute) to this one."""
        self.total.merge(other.total)
        for name, tally in other.routes.items():
            self.routes.setdefault(name, Tally()).merge(tally)
        self.route_domains.update(other.route_domains)
        for name, tally in other.domains.items():
            self.domains.setdefault(name, Tally()).merge(tally)
        for kind, count in other.artifact_types.items():
            self.artifact_types[kind] = self.artifact_types.get(kind, 0) + count
        self.clients |= other.clients
        self.clients_capped = self.clients_capped or other.clients_capped
        self.response_bytes += other.response_bytes

    def to_item(self) -> dict[str, Any]:
        """The minute as a storage item."""
        return {
            "total": self.total.to_item(),
            "routes": {name: t.to_item() for name, t in self.routes.items()},
            "route_domains": dict(self.route_domains),
            "domains": {name: t.to_item() for name, t in self.domains.items()},
            "artifact_types": dict(self.artifact_types),
            "clients": sorted(self.clients),
            "clients_capped": self.clients_capped,
            "bytes": self.response_bytes,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> MinuteTally:
        """A minute read back from storage."""
        return cls(
            total=Tally.from_item(item.get("total") or {}),
            routes={k: Tally.from_item(v) for k, v in (item.get("routes") or {}).items()},
            route_domains={k: str(v) for k, v in (item.get("route_domains") or {}).items()},
            domains={k: Tally.from_item(v) for k, v in (item.get("domains") or {}).items()},
            artifact_types={k: int(v) for k, v in (item.get("artifact_types") or {}).items()},
            clients=set(item.get("clients") or ()),
            clients_capped=bool(item.get("clients_capped")),
            response_bytes=int(item.get("bytes", 0)),
        )


def new_process_id() -> str:
    """An id for this process's activity items, unique even when a pid is reused."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(3)}"


class ActivityRecorder:
    """This process's recent activity, flushed to storage in the background every `flush_seconds`."""

    def __init__(
        self,
        storage: Callable[[], Storage],
        *,
        flush_seconds: float,
        retention_hours: int,
        process: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.process = process or new_process_id()
        self.host = socket.gethostname()
        self._open_storage = storage
        self._bound: Storage | None = None
        self._flush_seconds = flush_seconds
        self._retention_minutes = retention_hours * 60
        self._clock = clock
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._minutes: dict[int, MinuteTally] = {}
        self._dirty: set[int] = set()
        self._days_noted: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False
        self._last_prune = 0.0
        self.flushes = 0
        self.flush_failures = 0
        self.dropped_minutes = 0
        self.last_flush_error: str | None = None

    def _storage(self) -> Storage:
        # Bound once, to the storage of the app whose requests are counted (an app rebuilt on other
        # storage, as tests do, must not write this app's counts there).
        if self._bound is None:
            self._bound = self._open_storage()
        return self._bound

    def observe(self, record: RequestRecord) -> None:
        """Count a finished request in the minute it finished (the request-log observer)."""
        if self._bound is None:
            with contextlib.suppress(Exception):  # storage not available yet: the next flush binds it
                self._storage()
        minute = int(self._clock() // 60)
        with self._lock:
            tally = self._minutes.get(minute)
            if tally is None:
                tally = self._minutes[minute] = MinuteTally()
            tally.add(record)
            self._dirty.add(minute)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="health-activity-flush", daemon=True)
                self._thread.start()

    def own_minutes(self, first: int, last: int) -> dict[int, MinuteTally]:
        """Copies of this process's in-memory minutes between `first` and `last`."""
        with self._lock:
            chosen = {m: t.to_item() for m, t in self._minutes.items() if first <= m <= last}
        return {m: MinuteTally.from_item(item) for m, item in chosen.items()}

    @property
    def pending_minutes(self) -> int:
        """Minutes with counts not yet in storage."""
        with self._lock:
            return len(self._dirty)

    def flush(self) -> int:
        """Write every minute changed since the last flush; returns how many were written."""
        with self._flush_lock:
            now_minute = int(self._clock() // 60)
            with self._lock:
                dirty = sorted(self._dirty)
                self._dirty.clear()
                items = {m: self._minutes[m].to_item() for m in dirty}
            if items:
                new_days = {database.day_of(m) for m in items} - self._days_noted
                try:
                    database.write_minutes(
                        self._storage(),
                        process=self.process,
                        host=self.host,
                        tallies=items,
                        new_days=new_days,
                    )
                except Exception as exc:  # storage down: keep the counts and try again next time
                    self._failed(dirty, exc)
                    return 0
                self._days_noted |= new_days
                self.flushes += 1
                if self.last_flush_error is not None:
                    logger.info("activity flush recovered", extra={"activity_process": self.process})
                self.last_flush_error = None
            self._forget(now_minute)
            self._maybe_prune(now_minute)
            return len(items)

    def _failed(self, dirty: list[int], exc: Exception) -> None:
        self.flush_failures += 1
        if self.last_flush_error is None:
            logger.warning("activity flush failed: %s", exc, extra={"activity_process": self.process})
        self.last_flush_error = str(exc) or type(exc).__name__
        with self._lock:
            self._dirty.update(dirty)

    def _forget(self, now_minute: int) -> None:
        with self._lock:
            for minute in list(self._minutes):
                stale = minute < now_minute - self._retention_minutes
                if stale or (minute < now_minute - _GRACE_MINUTES and minute not in self._dirty):
                    if minute in self._dirty:
                        self._dirty.discard(minute)
                        self.dropped_minutes += 1
                    del self._minutes[minute]

    def _maybe_prune(self, now_minute: int) -> None:
        now = self._clock()
        if now - self._last_prune < _PRUNE_EVERY_SECONDS:
            return
        self._last_prune = now
        try:
            removed = database.prune_days(
                self._storage(), before=database.day_of(now_minute - self._retention_minutes)
            )
        except Exception as exc:  # pruning is housekeeping: try again next hour
            logger.warning("activity pruning failed: %s", exc)
            return
        if removed:
            logger.info("activity pruned", extra={"items": removed})

    def _run(self) -> None:
        idle = 0
        while not self._stop.wait(self._flush_seconds):
            idle = 0 if self.flush() else idle + 1
            with self._lock:
                if idle >= _IDLE_FLUSHES_BEFORE_EXIT and not self._dirty:
                    self._thread = None  # the next request starts a new flusher
                    return

    def close(self, timeout: float = 10.0) -> None:
        """Stop the flusher and write what is pending (the app is shutting down)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
        self.flush()
