"""/metrics: Prometheus text counting requests by route and status, ingests, downloads and bytes served."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families


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


def test_remembered_label_children_count_like_fresh_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    from package.core.request_log import RequestRecord
    from package.routers.health import metrics as metrics_module

    monkeypatch.setattr(metrics_module, "_MAX_CHILDREN", 3)  # cleared and refilled while counting
    metrics = metrics_module.RegistryMetrics()
    sample = metrics.registry.get_sample_value

    def record(route: str, status: int) -> RequestRecord:
        return RequestRecord(
            request_id="r", method="GET", route=route, path=route, status=status, duration_ms=2.0,
            started_at=0.0, domain=None, user=None, artifact_id=None, artifact_type=None, client=None,
            credential_digest=None, response_bytes=10,
        )  # fmt: skip

    for _ in range(3):
        for route, status in (("/a", 200), ("/b", 200), ("/a", 404)):
            metrics.observe(record(route, status))
    labels = {"method": "GET", "route": "/a"}
    assert sample("registry_http_requests_total", labels | {"status": "200"}) == 3
    assert sample("registry_http_requests_total", labels | {"status": "404"}) == 3
    assert sample("registry_http_request_duration_seconds_count", labels | {"status": "404"}) == 3
    assert sample("registry_http_response_bytes_total", {"method": "GET", "route": "/b"}) == 30
