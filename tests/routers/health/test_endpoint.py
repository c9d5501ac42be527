"""GET /health, /health/components, /health/logs and /metrics end to end against the fake hub."""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from package.core.storage import Storage, StorageError, get_storage
from package.routers.health.endpoint import caller_is_admin
from tests.routers.health.conftest import component, report

STATUSES = {"ok", "degraded", "critical", "unknown"}
COLLECTION_KEYS = {"components", "generated_at", "window_minutes"}
DETAIL_KEYS = {
    "id",
    "display_name",
    "status",
    "observed_at",
    "description",
    "metrics",
    "issues",
    "timeline",
    "logs",
}
ISSUE_KEYS = {"code", "severity", "summary", "details"}
TIMELINE_KEYS = {"bucket", "value", "unit"}
LOG_KEYS = {"label", "url", "tail_available", "last_updated_at"}


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    return moment


def assert_spec_shape(body: dict[str, Any]) -> None:
    """The spec's HealthComponentCollection, field by field (no field outside the schema)."""
    assert set(body) <= COLLECTION_KEYS and {"components", "generated_at"} <= set(body)
    _time(body["generated_at"])
    assert isinstance(body["window_minutes"], int) and body["window_minutes"] >= 5
    for detail in body["components"]:
        assert set(detail) <= DETAIL_KEYS and {"id", "status", "observed_at"} <= set(detail)
        assert detail["status"] in STATUSES
        _time(detail["observed_at"])
        for value in detail.get("metrics", {}).values():
            assert isinstance(value, int | float | str | bool)
        for issue in detail.get("issues", []):
            assert set(issue) <= ISSUE_KEYS and {"code", "severity", "summary"} <= set(issue)
            assert issue["severity"] in {"info", "warning", "error"}
        for entry in detail.get("timeline", []):
            assert set(entry) <= TIMELINE_KEYS
            _time(entry["bucket"])
            assert isinstance(entry["value"], int | float)
        for log in detail.get("logs", []):
            assert set(log) <= LOG_KEYS and {"label", "url"} <= set(log)
            assert log["url"].startswith("http")


def test_liveness_stays_cheap_and_answers_200(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


class TestWindow:
    @pytest.mark.parametrize("window", ["4", "0", "-5", "1441", "100000", "abc", "60.5"])
    def test_outside_5_to_1440_or_not_an_integer_is_400(self, client, window):
        response = client.get("/health/components", params={"windowMinutes": window})
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"

    def test_include_timeline_must_be_a_boolean(self, client):
        response = client.get("/health/components", params={"includeTimeline": "perhaps"})
        assert response.status_code == 400

    @pytest.mark.parametrize("window", [5, 60, 1440])
    def test_bounds_and_default_answer_the_spec_shape(self, client, window):
        body = report(client, windowMinutes=window)
        assert_spec_shape(body)
        assert body["window_minutes"] == window
        assert report(client)["window_minutes"] == 60


class TestTimeline:
    @pytest.mark.parametrize(
        ("window", "points", "step"), [(5, 5, 1), (60, 60, 1), (100, 50, 2), (1440, 60, 24)]
    )
    def test_sampled_buckets_span_the_window(self, client, window, points, step):
        body = report(client, windowMinutes=window, includeTimeline="true")
        api = component(body, "api")
        buckets = [_time(e["bucket"]) for e in api["timeline"]]
        assert len(buckets) == points
        assert all((b - a).total_seconds() == step * 60 for a, b in itertools.pairwise(buckets))
        generated = _time(body["generated_at"])
        assert buckets[-1] <= generated
        assert (generated - buckets[0]).total_seconds() < window * 60
        assert {e["unit"] for e in api["timeline"]} == {"requests/min"}

    def test_timeline_counts_the_requests_made(self, client):
        for _ in range(6):
            client.get("/health")
        api = component(report(client, windowMinutes=5, includeTimeline="true"), "api")
        # Every request so far (login, the six above) lands in one of the five one-minute buckets.
        assert sum(e["value"] for e in api["timeline"]) == api["metrics"]["total_requests"]

    def test_probe_components_sample_their_availability(self, client, runtime, hub):
        runtime.prober.probe_now()
        hub.set_down("github")
        try:
            runtime.prober.probe_now()
        finally:
            hub.set_down("github", False)
        body = report(client, windowMinutes=5, includeTimeline="true")
        github = component(body, "upstream-github")["timeline"]
        assert {e["unit"] for e in github} == {"%"}
        assert sum(e["value"] for e in github) / len(github) < 100  # one of the two probes failed
        assert [e["value"] for e in component(body, "storage-records")["timeline"]] == [100.0]

    def test_no_timeline_unless_asked(self, client):
        body = report(client, windowMinutes=5)
        assert all("timeline" not in c for c in body["components"])


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

        client.app.dependency_overrides[get_storage] = broken
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


class _BrokenBlobs:
    def writer(self):
        raise StorageError("blob volume is read-only")


class _BrokenRecords:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StorageError("database is locked")

        return fail


class TestStorage:
    def test_healthy_storage_is_ok(self, client):
        body = report(client, windowMinutes=5)
        assert component(body, "storage-records")["status"] == "ok"
        assert component(body, "storage-blobs")["status"] == "ok"

    def test_failing_blobs_turn_blobs_and_rollup_critical(self, client):
        real = get_storage()
        broken = Storage(records=real.records, blobs=_BrokenBlobs(), description="broken blobs")  # type: ignore[arg-type]
        client.app.dependency_overrides[get_storage] = lambda: broken
        # The admin's token cannot be verified without records: this test is about the report's content.
        client.app.dependency_overrides[caller_is_admin] = lambda: True
        try:
            body = report(client, windowMinutes=5)
        finally:
            client.app.dependency_overrides.clear()
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
        client.app.dependency_overrides[get_storage] = lambda: broken
        # The admin's token cannot be verified without records: this test is about the report's content.
        client.app.dependency_overrides[caller_is_admin] = lambda: True
        try:
            body = report(client, windowMinutes=5)
        finally:
            client.app.dependency_overrides.clear()
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


class TestRating:
    def test_the_pipeline_reports_its_figures(self, client):
        rating = component(report(client, windowMinutes=5), "rating-pipeline")
        assert rating["status"] == "ok"
        assert rating["metrics"]["queue_depth"] == 0
        assert rating["metrics"]["recent_failures"] == 0
        assert {"running", "completed_since_start"} <= set(rating["metrics"])

    def test_unreadable_figures_are_unknown_never_invented(self, client, monkeypatch):
        from package.routers.rating import services as rating_services

        def broken() -> None:
            raise RuntimeError("pipeline lock poisoned")

        monkeypatch.setattr(rating_services, "pipeline_stats", broken)
        rating = component(report(client, windowMinutes=5), "rating-pipeline")
        assert rating["status"] == "unknown"
        assert rating["issues"][0]["code"] == "rating_pipeline_unreported"
        assert "pipeline lock poisoned" in rating["issues"][0]["summary"]
        assert "queue_depth" not in rating["metrics"]


class TestLogs:
    def test_components_link_to_their_log_lines(self, client):
        client.get("/health", headers={"X-Request-ID": "find-me-1"})
        api = component(report(client, windowMinutes=5), "api")
        (link,) = api["logs"]
        assert link["url"] == "http://registry.test/health/logs?component=api"
        assert link["tail_available"] is False
        _time(link["last_updated_at"])
        response = client.get("/health/logs", params={"component": "api"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert '"request_id": "find-me-1"' in response.text

    def test_logs_need_an_admin_and_a_known_component(self, client, anonymous_client):
        assert anonymous_client.get("/health/logs").status_code == 403
        assert client.get("/health/logs", params={"component": "nope"}).status_code == 400
        assert client.get("/health/logs", params={"limit": 0}).status_code == 400


class TestMetrics:
    def test_parses_and_counts_requests_by_route_and_status(self, client):
        for _ in range(2):
            client.get("/health")
        client.get("/artifacts/model/1234567")
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(response.text)}
        requests = {
            (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
            for s in families["registry_http_requests"].samples
            if s.name.endswith("_total")
        }
        assert requests[("GET", "/health", "200")] == 2
        assert requests[("GET", "/artifacts/{artifact_type}/{id}", "404")] == 1
        latency = [
            s
            for s in families["registry_http_request_duration_seconds"].samples
            if s.name.endswith("_count") and s.labels["route"] == "/health"
        ]
        assert latency[0].value == 2
        assert "registry_build_info" in families
        assert "process_cpu_seconds" in families

    def test_ingest_and_download_are_counted_with_bytes_served(self, client, runtime):
        runtime.prober.probe_now()
        created = client.post(
            "/artifact/code", json={"url": "https://github.com/acme/gpl-tool", "name": "gpl"}
        )
        assert created.status_code == 201, created.text
        artifact_id = created.json()["metadata"]["id"]
        download = client.get(f"/download/code/{artifact_id}")
        assert download.status_code == 200
        text = client.get("/metrics").text
        families = {f.name: f for f in text_string_to_metric_families(text)}
        operations = {
            (s.labels["operation"], s.labels["outcome"]): s.value
            for s in families["registry_operations"].samples
            if s.name.endswith("_total")
        }
        assert operations[("ingest", "success")] == 1
        assert operations[("download", "success")] == 1
        served = [
            s.value
            for s in families["registry_operation_bytes"].samples
            if s.labels["operation"] == "download"
        ]
        assert served == [len(download.content)]
        events = {
            s.labels["event"]: s.value
            for s in families["registry_artifact_events"].samples
            if "event" in s.labels
        }
        assert events["created"] >= 1
        ups = {s.labels["upstream"]: s.value for s in families["registry_upstream_up"].samples}
        assert ups == {"huggingface": 1.0, "github": 1.0}
