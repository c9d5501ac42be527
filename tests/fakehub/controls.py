"""Test-controlled behaviour shared by both services: outages, latency, rate limiting, request log."""

from __future__ import annotations

import threading
from typing import Literal

Service = Literal["hf", "github"]
SERVICES: tuple[Service, ...] = ("hf", "github")
GITHUB_RATE_LIMIT = 5000
TRUNCATE = 0  # a fault "status" meaning: promise a body, send part of it, close the connection


class Controls:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: dict[Service, bool] = dict.fromkeys(SERVICES, False)
        self._down_paths: dict[Service, set[str]] = {service: set() for service in SERVICES}
        self._latency: dict[Service, float] = dict.fromkeys(SERVICES, 0.0)
        self._chunk_delay: dict[Service, float] = dict.fromkeys(SERVICES, 0.0)
        self._rate_limited = False
        self._github_used = 0
        self._faults: dict[Service, list[int]] = {service: [] for service in SERVICES}
        self._cuts: dict[Service, list[tuple[str, int]]] = {service: [] for service in SERVICES}
        self.requests: list[tuple[str, str, str]] = []
        self.ranges: list[tuple[str, str]] = []  # (path, Range header) of requests that asked for a range

    @staticmethod
    def _check(service: str) -> Service:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}: expected one of {SERVICES}")
        return service

    def set_down(self, service: str, down: bool) -> None:
        """Whole service down, or (down=False) fully up again, paths put down one by one included."""
        checked = self._check(service)
        with self._lock:
            self._down[checked] = down
            if not down:
                self._down_paths[checked].clear()

    def set_path_down(self, service: str, fragment: str, down: bool) -> None:
        with self._lock:
            paths = self._down_paths[self._check(service)]
            if down:
                paths.add(fragment)
            else:
                paths.discard(fragment)

    def is_down(self, service: Service, path: str = "") -> bool:
        with self._lock:
            return self._down[service] or any(fragment in path for fragment in self._down_paths[service])

    def set_latency(self, service: str, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency[self._check(service)] = float(seconds)

    def latency(self, service: Service) -> float:
        with self._lock:
            return self._latency[service]

    def set_chunk_delay(self, service: str, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("chunk delay must be >= 0")
        with self._lock:
            self._chunk_delay[self._check(service)] = float(seconds)

    def chunk_delay(self, service: Service) -> float:
        with self._lock:
            return self._chunk_delay[service]

    def fail_next(self, service: str, statuses: list[int]) -> None:
        """The next requests to `service` answer these statuses in order (TRUNCATE: a cut-off body)."""
        with self._lock:
            self._faults[self._check(service)].extend(statuses)

    def take_fault(self, service: Service) -> int | None:
        with self._lock:
            return self._faults[service].pop(0) if self._faults[service] else None

    def cut_next(self, service: str, fragment: str, after_bytes: list[int]) -> None:
        """The next requests to paths containing `fragment` stop after these many body bytes, in order."""
        with self._lock:
            self._cuts[self._check(service)].extend((fragment, n) for n in after_bytes)

    def take_cut(self, service: Service, path: str) -> int | None:
        with self._lock:
            cuts = self._cuts[service]
            if cuts and cuts[0][0] in path:
                return cuts.pop(0)[1]
            return None

    def set_rate_limited(self, limited: bool) -> None:
        with self._lock:
            self._rate_limited = limited

    def github_quota(self) -> tuple[bool, int, int]:
        """Count one GitHub API call; return (limited, used, remaining).

        The fake never runs out by itself: remaining stays >= 1 unless set_rate_limited(True).
        """
        with self._lock:
            if self._rate_limited:
                return True, GITHUB_RATE_LIMIT, 0
            self._github_used += 1
            return False, self._github_used, max(1, GITHUB_RATE_LIMIT - self._github_used)

    def record(self, service: Service, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((service, method, path))

    def record_range(self, path: str, byte_range: str) -> None:
        with self._lock:
            self.ranges.append((path, byte_range))

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self.ranges.clear()

    def reset(self) -> None:
        with self._lock:
            self._down = dict.fromkeys(SERVICES, False)
            self._down_paths = {service: set() for service in SERVICES}
            self._latency = dict.fromkeys(SERVICES, 0.0)
            self._chunk_delay = dict.fromkeys(SERVICES, 0.0)
            self._rate_limited = False
            self._faults = {service: [] for service in SERVICES}
            self._cuts = {service: [] for service in SERVICES}
