"""The report's window and timeline: sampled buckets over the window, counted requests and probe samples."""

from __future__ import annotations

import itertools

import pytest

from tests.routers.health.conftest import component, parse_time, report


class TestTimeline:
    @pytest.mark.parametrize(
        ("window", "points", "step"), [(5, 5, 1), (60, 60, 1), (100, 50, 2), (1440, 60, 24)]
    )
    def test_sampled_buckets_span_the_window(self, client, window, points, step):
        body = report(client, windowMinutes=window, includeTimeline="true")
        api = component(body, "api")
        buckets = [parse_time(e["bucket"]) for e in api["timeline"]]
        assert len(buckets) == points
        assert all((b - a).total_seconds() == step * 60 for a, b in itertools.pairwise(buckets))
        generated = parse_time(body["generated_at"])
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
