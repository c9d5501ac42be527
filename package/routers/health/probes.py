"""Probes: storage round trips (on request, they are local and cheap) and upstream checks (scheduled, cached).

An upstream probe is one small GET (with the configured token) and a short timeout, run by a background
thread every `health_probe_interval_seconds`; requests only ever read the cached result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from package.core.config import Settings
from package.core.storage import Storage
from package.routers.health import database
from package.routers.health.config import HealthSettings, get_health_settings
from package.routers.health.interface import HealthStatus

if TYPE_CHECKING:  # httpx (about 0.1 s with its CLI) loads with the first probe, not at a cold start
    import httpx

logger = logging.getLogger("registry.health.probe")

HISTORY = 1440  # probe results kept per target (a day at one probe a minute)
UPSTREAMS: dict[str, str] = {"huggingface": "Hugging Face Hub", "github": "GitHub API"}


@dataclass(frozen=True)
class ProbeResult:
    """One probe: whether the target answered as it should, how fast, and what that says about it."""

    target: str
    at: float
    ok: bool
    status: HealthStatus
    latency_ms: float
    code: str | None = None
    summary: str | None = None
    details: str | None = None
    http_status: int | None = None


@dataclass
class ProbeTrack:
    """The recent probes of one target."""

    history: deque[ProbeResult] = field(default_factory=lambda: deque(maxlen=HISTORY))
    consecutive_failures: int = 0
    last_success_at: float | None = None

    @property
    def last(self) -> ProbeResult | None:
        """The most recent probe, if any."""
        return self.history[-1] if self.history else None

    def add(self, result: ProbeResult) -> None:
        """Remember a probe."""
        self.history.append(result)
        if result.ok:
            self.consecutive_failures = 0
            self.last_success_at = result.at
        else:
            self.consecutive_failures += 1


def _timed(target: str, slow_ms: float, action: Callable[[], object]) -> ProbeResult:
    started = time.perf_counter()
    at = time.time()
    try:
        action()
    except Exception as exc:  # any failure of the round trip is the finding
        latency = (time.perf_counter() - started) * 1000
        logger.warning("storage probe failed: %s", exc, extra={"target": target})
        return ProbeResult(
            target, at, False, HealthStatus.CRITICAL, latency, "storage_round_trip_failed",
            "The write/read round trip failed.", f"{type(exc).__name__}: {exc}",
        )  # fmt: skip
    latency = (time.perf_counter() - started) * 1000
    if latency > slow_ms:
        return ProbeResult(
            target, at, True, HealthStatus.DEGRADED, latency, "storage_slow",
            f"The round trip took {latency:.0f} ms (threshold {slow_ms:.0f} ms).",
        )  # fmt: skip
    return ProbeResult(target, at, True, HealthStatus.OK, latency)


def probe_storage(storage: Storage, *, process: str, slow_ms: float) -> dict[str, ProbeResult]:
    """Round-trip a record and a blob through the storage the registry uses."""
    return {
        "storage-records": _timed(
            "storage-records", slow_ms, lambda: database.records_round_trip(storage, process=process)
        ),
        "storage-blobs": _timed(
            "storage-blobs", slow_ms, lambda: database.blobs_round_trip(storage, process=process)
        ),
    }


class UpstreamProber:
    """Probes Hugging Face and GitHub in a background thread and keeps the results."""

    def __init__(self, settings: Settings, health_settings: HealthSettings | None = None) -> None:
        self._settings = settings
        self._health = get_health_settings() if health_settings is None else health_settings
        self._lock = threading.Lock()
        self._tracks = {name: ProbeTrack() for name in UPSTREAMS}
        self._client: httpx.Client | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._started = False

    @property
    def interval_seconds(self) -> float:
        """Seconds between probe rounds."""
        return self._health.health_probe_interval_seconds

    def urls(self) -> dict[str, str]:
        """What each probe reads."""
        s = self._settings
        return {
            "huggingface": f"{s.hf_endpoint}/api/models/{self._health.health_hf_probe_repo}",
            "github": f"{s.github_api_url}/rate_limit",
        }

    def tracks(self) -> dict[str, ProbeTrack]:
        """Copies of every target's recent probes."""
        with self._lock:
            return {
                name: ProbeTrack(deque(t.history, maxlen=HISTORY), t.consecutive_failures, t.last_success_at)
                for name, t in self._tracks.items()
            }

    def probe_now(self) -> dict[str, ProbeResult]:
        """Probe every upstream once (in the calling thread) and remember the results."""
        results = {name: self._probe(name) for name in UPSTREAMS}
        with self._lock:
            for name, result in results.items():
                self._tracks[name].add(result)
        return results

    def start(self) -> None:
        """Probe now and then every interval, in a background thread (no-op when running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._started = True
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="health-upstream-probe", daemon=True)
            self._thread.start()

    def ensure_started(self) -> None:
        """Start the schedule if nothing started it yet (an app served without its lifespan)."""
        if not self._started:
            self.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop probing and close the HTTP client."""
        self._stop.set()
        with self._lock:
            self._started = True  # stopped on purpose: a report must not restart it
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        if self._client is not None:
            self._client.close()
            self._client = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.probe_now()
            except Exception:  # a bug in one round must not end the schedule
                logger.exception("upstream probe round failed")
            self._stop.wait(self.interval_seconds)

    def _http(self) -> httpx.Client:
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                timeout=self._health.health_probe_timeout_seconds,
                follow_redirects=True,
                headers={"User-Agent": "trustworthy-model-registry-health"},
            )
        return self._client

    def _probe(self, name: str) -> ProbeResult:
        import httpx

        s = self._settings
        token = s.hf_token if name == "huggingface" else s.github_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if name == "github":
            headers["Accept"] = "application/vnd.github+json"
        at = time.time()
        started = time.perf_counter()
        try:
            response = self._http().get(self.urls()[name], headers=headers)
        except httpx.HTTPError as exc:
            latency = (time.perf_counter() - started) * 1000
            result = ProbeResult(
                name, at, False, HealthStatus.CRITICAL, latency, "upstream_unreachable",
                f"{UPSTREAMS[name]} did not answer.", f"{type(exc).__name__}: {exc}",
            )  # fmt: skip
        else:
            latency = (time.perf_counter() - started) * 1000
            result = classify(
                name, response, at=at, latency_ms=latency, settings=self._health, has_token=bool(token)
            )
        if not result.ok:
            logger.warning("%s probe failed: %s", UPSTREAMS[name], result.summary, extra={"upstream": name})
        return result


def classify(
    name: str,
    response: httpx.Response,
    *,
    at: float,
    latency_ms: float,
    settings: HealthSettings,
    has_token: bool,
) -> ProbeResult:
    """What one upstream answer says about the upstream."""
    label = UPSTREAMS[name]
    code = response.status_code

    def result(
        ok: bool, status: HealthStatus, issue: str | None = None, summary: str | None = None
    ) -> ProbeResult:
        details = None if ok and status is HealthStatus.OK else response.text[:300] or None
        return ProbeResult(name, at, ok, status, latency_ms, issue, summary, details, code)

    remaining = response.headers.get("x-ratelimit-remaining")
    if code == 429 or (code == 403 and remaining == "0"):
        return result(True, HealthStatus.DEGRADED, "upstream_rate_limited", f"{label} is rate-limiting us.")
    if code >= 500:
        return result(False, HealthStatus.CRITICAL, "upstream_failing", f"{label} answered HTTP {code}.")
    if code == 401 and has_token:
        return result(True, HealthStatus.DEGRADED, "upstream_token_rejected", f"{label} rejected our token.")
    if code >= 400:
        return result(
            True,
            HealthStatus.DEGRADED,
            "upstream_probe_refused",
            f"{label} answered the probe with HTTP {code}.",
        )
    if latency_ms > settings.health_probe_slow_ms:
        return result(
            True, HealthStatus.DEGRADED, "upstream_slow", f"{label} took {latency_ms:.0f} ms to answer."
        )
    if name == "github":
        low = _github_quota_low(response)
        if low is not None:
            return result(True, HealthStatus.DEGRADED, "upstream_quota_low", low)
    return result(True, HealthStatus.OK)


def _github_quota_low(response: httpx.Response) -> str | None:
    try:
        core = response.json().get("resources", {}).get("core", {})
        remaining, limit = int(core["remaining"]), int(core["limit"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if limit > 0 and remaining < limit * 0.1:
        return f"Only {remaining} of {limit} GitHub API calls are left in this hour."
    return None


def upstream_status(
    track: ProbeTrack, *, failures_critical: int, stale_after: float, now: float
) -> HealthStatus:
    """An upstream's status from its recent probes."""
    last = track.last
    if last is None or now - last.at > stale_after:
        return HealthStatus.UNKNOWN
    if not last.ok:
        return (
            HealthStatus.CRITICAL
            if track.consecutive_failures >= failures_critical
            else HealthStatus.DEGRADED
        )
    return last.status
