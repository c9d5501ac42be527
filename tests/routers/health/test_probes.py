"""Upstream probes (classification, scheduling, against the fake hub) and storage round trips."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from package.core.on_loop import on_loop
from package.core.storage import Storage, StorageError, get_storage
from package.core.storage.files import FileBlobStore
from package.core.storage.sqlite import SqliteRecordStore
from package.routers.health.config import HealthSettings
from package.routers.health.endpoint import caller_is_admin
from package.routers.health.interface import HealthStatus
from package.routers.health.probes import (
    ProbeResult,
    ProbeTrack,
    UpstreamProber,
    classify,
    probe_storage,
    upstream_status,
)
from tests.routers.health.conftest import assert_spec_shape, component, report


def answer(name: str, status: int, *, latency_ms: float = 10.0, token: bool = False, **kwargs) -> ProbeResult:
    response = httpx.Response(status, request=httpx.Request("GET", "http://upstream/x"), **kwargs)
    return classify(name, response, at=1.0, latency_ms=latency_ms, settings=HealthSettings(), has_token=token)


class TestClassify:
    def test_a_quick_200_is_ok(self):
        result = answer("huggingface", 200, json={})
        assert (result.ok, result.status, result.code) == (True, HealthStatus.OK, None)

    @pytest.mark.parametrize("status", [500, 502, 503])
    def test_a_server_error_is_a_failed_probe(self, status):
        result = answer("github", status, json={"message": "Service Unavailable"})
        assert (result.ok, result.status, result.code) == (False, HealthStatus.CRITICAL, "upstream_failing")
        assert "Service Unavailable" in (result.details or "")

    def test_rate_limits_degrade(self):
        assert answer("huggingface", 429).code == "upstream_rate_limited"
        limited = answer("github", 403, headers={"x-ratelimit-remaining": "0"})
        assert (limited.ok, limited.status, limited.code) == (
            True,
            HealthStatus.DEGRADED,
            "upstream_rate_limited",
        )

    def test_a_rejected_token_degrades(self):
        assert answer("github", 401, token=True).code == "upstream_token_rejected"
        assert answer("github", 401, token=False).code == "upstream_probe_refused"

    def test_a_slow_answer_degrades(self):
        result = answer("huggingface", 200, latency_ms=HealthSettings().health_probe_slow_ms + 1)
        assert (result.status, result.code) == (HealthStatus.DEGRADED, "upstream_slow")

    def test_a_nearly_spent_github_quota_degrades(self):
        low = {"resources": {"core": {"limit": 5000, "remaining": 12}}}
        assert answer("github", 200, json=low).code == "upstream_quota_low"
        plenty = {"resources": {"core": {"limit": 5000, "remaining": 4000}}}
        assert answer("github", 200, json=plenty).status is HealthStatus.OK


class TestUpstreamStatus:
    def _track(self, *oks: bool, at: float = 100.0) -> ProbeTrack:
        track = ProbeTrack()
        for ok in oks:
            status = HealthStatus.OK if ok else HealthStatus.CRITICAL
            track.add(ProbeResult("github", at, ok, status, 1.0))
        return track

    def test_never_probed_or_stale_is_unknown(self):
        assert (
            upstream_status(ProbeTrack(), failures_critical=2, stale_after=60, now=100)
            is HealthStatus.UNKNOWN
        )
        assert (
            upstream_status(self._track(True), failures_critical=2, stale_after=60, now=500)
            is HealthStatus.UNKNOWN
        )

    def test_failures_degrade_then_turn_critical(self):
        def status(*oks: bool) -> HealthStatus:
            return upstream_status(self._track(*oks), failures_critical=2, stale_after=60.0, now=101.0)

        assert status(True, False) is HealthStatus.DEGRADED
        assert status(True, False, False) is HealthStatus.CRITICAL
        assert status(False, False, True) is HealthStatus.OK


@pytest.fixture
def prober(hub, registry_env):
    from package.core.config import get_settings

    prober = UpstreamProber(get_settings())
    yield prober
    prober.stop()


class TestProberAgainstTheFakeHub:
    def test_reads_the_configured_endpoints(self, prober, hub):
        hub.clear_requests()
        results = prober.probe_now()
        assert {n: r.status for n, r in results.items()} == {"huggingface": "ok", "github": "ok"}
        paths = {(service, path) for service, _, path in hub.requests}
        assert ("hf", "/api/models/google-bert/bert-base-uncased") in paths
        assert ("github", "/rate_limit") in paths

    def test_an_unreachable_upstream_fails_the_probe(self, registry_env, monkeypatch):
        from package.core.config import get_settings

        monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
        get_settings.cache_clear()
        prober = UpstreamProber(get_settings())
        try:
            result = prober.probe_now()["github"]
        finally:
            prober.stop()
        assert (result.ok, result.code) == (False, "upstream_unreachable")

    def test_the_schedule_probes_in_the_background_until_stopped(self, prober, hub):
        hub.clear_requests()
        prober.start()
        deadline = time.monotonic() + 5
        while not all(t.last for t in prober.tracks().values()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert all(t.last is not None for t in prober.tracks().values())
        prober.stop()
        count = len(hub.requests)
        time.sleep(0.1)
        assert len(hub.requests) == count


class TestStorageProbe:
    def test_round_trips_leave_nothing_behind(self, tmp_path: Path):
        storage = Storage(SqliteRecordStore(tmp_path / "r.db"), FileBlobStore(tmp_path / "b"), "test")
        results = probe_storage(storage, process="p", slow_ms=10_000)
        assert {n: r.status for n, r in results.items()} == {"storage-records": "ok", "storage-blobs": "ok"}
        assert storage.records.query("health#probe") == []
        assert [p for p in (tmp_path / "b").rglob("*") if p.is_file()] == []

    def test_a_slow_round_trip_degrades(self, tmp_path: Path):
        storage = Storage(SqliteRecordStore(tmp_path / "r.db"), FileBlobStore(tmp_path / "b"), "test")
        results = probe_storage(storage, process="p", slow_ms=0.0)
        assert {r.code for r in results.values()} == {"storage_slow"}
        assert all(r.status is HealthStatus.DEGRADED for r in results.values())


class _BrokenBlobs:
    def writer(self):
        raise StorageError("blob volume is read-only")


class _BrokenRecords:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StorageError("database is locked")

        return fail


def _report_on(client, broken: Storage) -> dict[str, Any]:
    """The admin's five-minute report while the registry's storage is `broken`."""
    client.app.dependency_overrides[on_loop(get_storage)] = lambda: broken
    # The admin's token cannot be verified without records: these tests are about the report's content.
    client.app.dependency_overrides[caller_is_admin] = lambda: True
    try:
        return report(client, windowMinutes=5)
    finally:
        client.app.dependency_overrides.clear()


class TestStorage:
    def test_healthy_storage_is_ok(self, client):
        body = report(client, windowMinutes=5)
        assert component(body, "storage-records")["status"] == "ok"
        assert component(body, "storage-blobs")["status"] == "ok"

    def test_failing_blobs_turn_blobs_and_rollup_critical(self, client):
        real = get_storage()
        broken = Storage(records=real.records, blobs=_BrokenBlobs(), description="broken blobs")  # type: ignore[arg-type]
        body = _report_on(client, broken)
        assert_spec_shape(body)
        blobs = component(body, "storage-blobs")
        assert blobs["status"] == "critical"
        assert blobs["issues"][0]["code"] == "storage_round_trip_failed"
        assert "read-only" in blobs["issues"][0]["details"]
        assert component(body, "storage-records")["status"] == "ok"
        assert body["components"][0]["id"] == "registry"
        assert body["components"][0]["status"] == "critical"
        assert body["components"][1]["id"] == "storage-blobs"

    def test_failing_records_still_answer_with_what_is_known(self, client):
        real = get_storage()
        broken = Storage(records=_BrokenRecords(), blobs=real.blobs, description="broken records")
        body = _report_on(client, broken)
        assert component(body, "storage-records")["status"] == "critical"
        api = component(body, "api")
        assert api["status"] == "unknown"
        assert "activity_unavailable" in [i["code"] for i in api["issues"]]
        assert component(body, "registry")["status"] == "critical"


class TestUpstreams:
    def test_probed_in_the_background_and_ok_when_up(self, client, runtime):
        runtime.prober.probe_now()
        body = report(client, windowMinutes=5)
        for name in ("upstream-huggingface", "upstream-github"):
            assert component(body, name)["status"] == "ok"
            assert component(body, name)["metrics"]["http_status"] == 200

    def test_an_outage_turns_degraded_then_critical(self, client, runtime, hub):
        runtime.prober.probe_now()
        hub.set_down("hf")
        runtime.prober.probe_now()
        hf = component(report(client, windowMinutes=5), "upstream-huggingface")
        assert hf["status"] == "degraded"
        assert hf["issues"][0]["code"] == "upstream_failing"
        runtime.prober.probe_now()
        body = report(client, windowMinutes=5)
        hf = component(body, "upstream-huggingface")
        assert hf["status"] == "critical"
        assert hf["metrics"]["consecutive_failures"] == 2
        assert hf["metrics"]["availability_percent"] < 100
        assert component(body, "upstream-github")["status"] == "ok"
        assert body["components"][0]["id"] == "registry"
        assert body["components"][0]["status"] == "critical"
        hub.set_down("hf", False)
        runtime.prober.probe_now()
        assert component(report(client, windowMinutes=5), "upstream-huggingface")["status"] == "ok"

    def test_github_rate_limit_is_degraded(self, client, runtime, hub):
        hub.set_rate_limited(True)
        try:
            runtime.prober.probe_now()
        finally:
            hub.set_rate_limited(False)
        github = component(report(client, windowMinutes=5), "upstream-github")
        assert github["status"] == "degraded"
        assert github["issues"][0]["code"] == "upstream_rate_limited"

    def test_a_report_never_waits_for_a_probe(self, client, runtime, hub):
        hub.set_latency("hf", 2.0)
        try:
            runtime.prober.start()  # a background round begins with Hugging Face, slowed down by the hub
            started = time.perf_counter()
            body = report(client, windowMinutes=5)
            # A report that waited would take the probe's 2 s; the margin absorbs a loaded machine.
            assert time.perf_counter() - started < 2.0
            runtime.prober.stop()
        finally:
            hub.set_latency("hf", 0)
        # The report read the cache; the background round was still on its way.
        assert component(body, "upstream-huggingface")["status"] == "unknown"
        assert component(body, "upstream-huggingface")["issues"][0]["code"] == "probe_pending"
