"""Activity tallies, batched flushing to storage, several processes merged into one window, pruning."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.on_loop import on_loop
from package.core.request_log import RequestRecord
from package.core.storage import Storage, StorageError, get_storage
from package.core.storage.files import FileBlobStore
from package.core.storage.sqlite import SqliteRecordStore
from package.routers.health import database
from package.routers.health.activity import LATENCY_BOUNDS_MS, ActivityRecorder, MinuteTally, Tally
from package.routers.health.window import collect_window, timeline_step
from tests.routers.health.conftest import component, report

NOON = 1_800_000_000 // 60 * 60  # a minute boundary, in epoch seconds


def request(
    route: str = "/health", status: int = 200, *, ms: float = 3.0, domain: str | None = "health", **fields
) -> RequestRecord:
    values: dict[str, Any] = {
        "request_id": "r",
        "method": "GET",
        "route": route,
        "path": route,
        "status": status,
        "duration_ms": ms,
        "started_at": 0.0,
        "domain": domain,
        "user": None,
        "artifact_id": None,
        "artifact_type": None,
        "client": "10.0.0.1",
        "credential_digest": None,
        "response_bytes": 10,
    }
    values.update(fields)
    return RequestRecord(**values)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(SqliteRecordStore(tmp_path / "r.sqlite3"), FileBlobStore(tmp_path / "blobs"), "test")


def recorder(storage: Storage, clock: Clock, process: str) -> ActivityRecorder:
    return ActivityRecorder(
        lambda: storage, flush_seconds=3600, retention_hours=48, process=process, clock=clock
    )


class TestTally:
    def test_counts_errors_and_latency_buckets(self):
        tally = Tally()
        for status, ms in ((200, 1.0), (404, 30.0), (500, 700.0), (503, 20_000.0)):
            tally.add(status, ms)
        assert (tally.count, tally.client_errors, tally.server_errors) == (4, 1, 2)
        assert tally.duration_ms_max == 20_000.0
        assert sum(tally.latency) == 4 and tally.latency[-1] == 1
        assert tally.percentile_ms(0.5) == 50  # the second request's bucket: 25 < 30 <= 50
        assert tally.percentile_ms(1.0) == 20_000.0
        assert Tally().percentile_ms(0.5) is None

    def test_round_trips_through_a_storage_item_and_merges(self):
        one, two = Tally(), Tally()
        one.add(200, 4.0)
        two.add(500, 120.0)
        restored = Tally.from_item(one.to_item())
        restored.merge(Tally.from_item(two.to_item()))
        assert (restored.count, restored.server_errors) == (2, 1)
        assert restored.latency[LATENCY_BOUNDS_MS.index(5)] == 1

    def test_minute_keeps_routes_domains_types_clients_and_bytes(self):
        minute = MinuteTally()
        minute.add(request("/artifacts/{artifact_type}/{id}", domain="artifacts", artifact_type="model"))
        minute.add(request(client="10.0.0.2"))
        minute.add(request(credential_digest="abc", client="10.0.0.2"))
        item = MinuteTally.from_item(minute.to_item())
        assert item.total.count == 3
        assert item.routes["GET /health"].count == 2
        assert item.route_domains["GET /artifacts/{artifact_type}/{id}"] == "artifacts"
        assert item.domains["artifacts"].count == 1
        assert item.artifact_types == {"model": 1}
        assert len(item.clients) == 3
        assert item.response_bytes == 30


class TestRecorder:
    def test_recording_writes_nothing_until_a_flush(self, storage):
        clock = Clock(NOON + 5)
        rec = recorder(storage, clock, "p1")
        rec.observe(request())
        assert database.read_minutes(storage, NOON // 60 - 1, NOON // 60 + 1) == []
        assert rec.pending_minutes == 1
        assert rec.flush() == 1
        (stored,) = database.read_minutes(storage, NOON // 60, NOON // 60)
        assert stored.process == "p1" and stored.tally["total"]["n"] == 1
        assert rec.flush() == 0  # nothing changed since
        rec.close()

    def test_two_processes_and_a_reader_see_one_picture(self, storage):
        clock = Clock(NOON + 5)
        first, second, reader = recorder(storage, clock, "p1"), recorder(storage, clock, "p2"), None
        for _ in range(3):
            first.observe(request())
        first.flush()
        second.observe(request(status=500))
        second.flush()
        clock.now += 60
        first.observe(request("/tracks"))  # not flushed yet: only p1 itself sees it
        window = collect_window(storage, reader, first=NOON // 60 - 3, last=NOON // 60 + 1)
        assert window.combined().total.count == 4
        assert window.processes == {"p1", "p2"}
        own = collect_window(storage, first, first=NOON // 60 - 3, last=NOON // 60 + 1)
        assert own.combined().total.count == 5
        assert own.combined().total.server_errors == 1
        first.close()
        second.close()
        assert (
            collect_window(storage, None, first=NOON // 60, last=NOON // 60 + 1).combined().total.count == 5
        )

    def test_a_failed_flush_keeps_the_counts_for_the_next(self, storage):
        clock = Clock(NOON + 5)
        broken = {"on": True}

        def source() -> Any:
            if broken["on"]:
                raise StorageError("disk full")
            return storage

        rec = ActivityRecorder(source, flush_seconds=3600, retention_hours=48, process="p", clock=clock)
        rec.observe(request())
        assert rec.flush() == 0
        assert rec.flush_failures == 1 and rec.last_flush_error == "disk full"
        rec.observe(request())
        broken["on"] = False
        assert rec.flush() == 1
        assert rec.last_flush_error is None
        (stored,) = database.read_minutes(storage, NOON // 60, NOON // 60)
        assert stored.tally["total"]["n"] == 2

    def test_flushed_minutes_leave_memory_and_stay_readable(self, storage):
        clock = Clock(NOON + 5)
        rec = recorder(storage, clock, "p")
        rec.observe(request())
        rec.flush()
        clock.now += 10 * 60
        rec.flush()
        assert rec.own_minutes(0, 10**9) == {}
        assert (
            collect_window(storage, rec, first=NOON // 60, last=NOON // 60 + 10).combined().total.count == 1
        )

    def test_writes_stay_with_the_storage_of_the_app_counted(self, storage, tmp_path):
        other = Storage(SqliteRecordStore(tmp_path / "o.sqlite3"), FileBlobStore(tmp_path / "ob"), "other")
        current = {"storage": storage}
        clock = Clock(NOON + 5)
        rec = ActivityRecorder(
            lambda: current["storage"], flush_seconds=3600, retention_hours=48, process="p", clock=clock
        )
        rec.observe(request())
        current["storage"] = other  # the process-wide storage changed (an app rebuilt on other storage)
        rec.flush()
        assert len(database.read_minutes(storage, NOON // 60, NOON // 60)) == 1
        assert database.read_minutes(other, NOON // 60, NOON // 60) == []

    def test_the_background_flusher_writes_without_being_asked(self, storage):
        rec = ActivityRecorder(lambda: storage, flush_seconds=0.05, retention_hours=48, process="bg")
        rec.observe(request())

        deadline = time.monotonic() + 5
        while rec.pending_minutes and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rec.pending_minutes == 0
        assert rec.flushes >= 1
        rec.close()

    def test_old_days_are_pruned(self, storage):
        clock = Clock(NOON + 5)
        rec = recorder(storage, clock, "p")
        rec.observe(request())
        rec.flush()
        clock.now += 3 * 86_400  # three days later: the first day is past the 48 h retention
        rec.observe(request())
        rec._last_prune = 0.0
        rec.flush()
        assert database.read_minutes(storage, NOON // 60 - 10, NOON // 60 + 10) == []
        assert len(database.read_minutes(storage, int(clock.now // 60) - 1, int(clock.now // 60))) == 1


class TestReadRanges:
    @pytest.mark.parametrize("window", [5, 61, 179, 180, 600, 1440])
    def test_windows_read_exactly_their_minutes(self, storage, window):
        clock = Clock(NOON)
        rec = recorder(storage, clock, "p")
        last = NOON // 60
        for minute in range(last - window - 2, last + 1):  # two minutes before the window too
            clock.now = minute * 60 + 1
            rec.observe(request())
        rec.flush()
        found = database.read_minutes(storage, last - window + 1, last)
        assert sorted(s.minute for s in found) == list(range(last - window + 1, last + 1))

    def test_timeline_step_keeps_at_most_sixty_points(self):
        assert [timeline_step(w) for w in (5, 60, 61, 100, 1440)] == [1, 1, 2, 2, 24]


def test_upstream_faults_do_not_count_against_the_registrys_own_domain():
    from package.routers.health.activity import Tally

    tally = Tally()
    for status in (200, 404, 500, 502, 503, 504):
        tally.add(status, 1.0)
    assert (tally.count, tally.client_errors, tally.server_errors) == (6, 1, 2)


class TestActivity:
    def test_counts_match_the_requests_made(self, client):
        before = component(report(client, windowMinutes=5), "api")["metrics"]
        for _ in range(3):
            assert client.get("/health").status_code == 200
        assert client.get("/artifacts/model/1234567").status_code == 404
        assert client.get("/artifact/byName/nothing-here").status_code == 404
        assert client.get("/no/such/route").status_code == 404
        after = component(report(client, windowMinutes=5), "api")["metrics"]
        # six requests above, plus the first report itself
        assert after["total_requests"] - before["total_requests"] == 7
        assert after["per_route.GET /health"] == before.get("per_route.GET /health", 0) + 3
        assert after["per_route.GET /artifacts/{artifact_type}/{id}"] == 1
        assert after["per_route.GET /artifact/byName/{name}"] == 1
        assert after["per_route.GET (unmatched)"] == 1
        assert after["per_artifact_type.model"] == 1
        assert after["unique_clients"] >= 1
        artifacts = component(report(client, windowMinutes=5), "domain-artifacts")
        assert artifacts["metrics"]["requests"] == 2
        assert artifacts["metrics"]["client_errors"] == 2
        assert artifacts["status"] == "ok"

    def test_distinct_clients_are_counted_once_each(self, client, user_client):
        alice = user_client("alice")
        bob = user_client("bob", password="bob-password-1")
        first = component(report(client, windowMinutes=5), "api")["metrics"]["unique_clients"]
        for caller in (alice, bob, alice, bob):
            caller.get("/artifact/byName/none")
        assert component(report(client, windowMinutes=5), "api")["metrics"]["unique_clients"] == first + 2

    def test_every_process_contributes_to_one_picture(self, client, registry_env):
        from main import create_app

        other = create_app()
        with TestClient(other) as second:
            for _ in range(4):
                second.get("/tracks")
            other.state.health.recorder.flush()
        # The second process has gone; its stored minutes remain part of the window.
        metrics = component(report(client, windowMinutes=5), "api")["metrics"]
        assert metrics["per_route.GET /tracks"] == 4
        assert metrics["processes_reporting"] == 2

    def test_a_container_without_health_routes_can_record_too(self, client):
        from main import create_app

        artifacts_only = create_app(["auth", "artifacts"])  # main.py installs recording in every container
        assert not any(getattr(r, "path", None) == "/health/components" for r in artifacts_only.routes)
        with TestClient(artifacts_only, headers=dict(client.headers)) as other:
            for _ in range(3):
                assert other.get("/artifact/byName/ghost").status_code == 404
            assert other.get("/metrics").status_code == 200
            artifacts_only.state.health.recorder.flush()
        metrics = component(report(client, windowMinutes=5), "api")["metrics"]
        assert metrics["per_route.GET /artifact/byName/{name}"] == 3

    def test_a_failing_domain_turns_it_and_the_rollup_degraded_or_critical(self, client):
        def broken() -> None:
            raise StorageError("table gone")

        client.app.dependency_overrides[on_loop(get_storage)] = broken
        try:
            for _ in range(4):
                assert client.get("/artifact/byName/x").status_code == 503
        finally:
            client.app.dependency_overrides.clear()
        body = report(client, windowMinutes=5)
        artifacts = component(body, "domain-artifacts")
        assert artifacts["status"] == "critical"
        assert artifacts["issues"][0]["code"] == "error_rate_critical"
        assert "GET /artifact/byName/{name}: 4 of 4" in artifacts["issues"][0]["details"]
        assert component(body, "registry")["status"] == "critical"
        assert body["components"][0]["status"] == "critical"
