"""The rules that decide statuses: error rates, rollup and ordering, the rating pipeline's figures."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from package.core.config import Settings
from package.routers.health import components
from package.routers.health.activity import Tally
from package.routers.health.config import HealthSettings
from package.routers.health.interface import HealthComponentDetail, HealthStatus
from package.routers.health.rating_status import RatingView, rating_view
from package.routers.health.rollup import order_by_severity, registry_component, rollup_status
from package.routers.health.window import WindowActivity
from package.routers.rating import services as rating_services

S = HealthStatus
DEFAULTS = HealthSettings()


def tally(ok: int, server_errors: int = 0, client_errors: int = 0) -> Tally:
    result = Tally()
    for status, count in ((200, ok), (500, server_errors), (404, client_errors)):
        for _ in range(count):
            result.add(status, 5.0)
    return result


class TestTrafficStatus:
    @pytest.mark.parametrize(
        ("ok", "errors", "expected", "code"),
        [
            (0, 0, S.UNKNOWN, "no_traffic"),
            (100, 0, S.OK, None),
            (99, 1, S.OK, "server_errors"),  # 1 %: below the 5 % threshold
            (95, 5, S.DEGRADED, "error_rate_elevated"),
            (1, 1, S.DEGRADED, "error_rate_elevated"),  # 50 %, but too few errors to call it critical
            (3, 3, S.CRITICAL, "error_rate_critical"),
        ],
    )
    def test_thresholds(self, ok, errors, expected, code):
        status, issues = components.traffic_status(tally(ok, errors), DEFAULTS, subject="x", minutes=60)
        assert status is expected
        assert [i.code for i in issues] == ([code] if code else [])

    def test_client_errors_do_not_count_against_health(self):
        status, _ = components.traffic_status(tally(1, client_errors=50), DEFAULTS, subject="x", minutes=60)
        assert status is S.OK

    def test_thresholds_are_settings(self):
        strict = HealthSettings(health_error_rate_degraded=0.001)
        status, _ = components.traffic_status(tally(999, 1), strict, subject="x", minutes=60)
        assert status is S.DEGRADED


def detail(component_id: str, status: HealthStatus) -> HealthComponentDetail:
    return HealthComponentDetail(id=component_id, status=status, observed_at=components.moment(0))


class TestRollup:
    @pytest.mark.parametrize(
        ("statuses", "expected"),
        [
            ([S.OK, S.OK], S.OK),
            ([S.OK, S.UNKNOWN], S.OK),
            ([S.UNKNOWN, S.UNKNOWN], S.UNKNOWN),
            ([S.OK, S.DEGRADED, S.UNKNOWN], S.DEGRADED),
            ([S.DEGRADED, S.CRITICAL, S.OK], S.CRITICAL),
        ],
    )
    def test_worst_known_status(self, statuses, expected):
        assert rollup_status(statuses) is expected

    def test_order_is_by_severity_then_as_given(self):
        parts = [detail("a", S.OK), detail("b", S.UNKNOWN), detail("c", S.CRITICAL), detail("d", S.DEGRADED)]
        parts.append(detail("e", S.CRITICAL))
        assert [c.id for c in order_by_severity(parts)] == ["c", "e", "d", "b", "a"]

    def test_registry_component_explains_every_non_ok_part(self):
        ctx = _context()
        parts = [detail("api", S.OK), detail("storage-blobs", S.CRITICAL), detail("domain-auth", S.UNKNOWN)]
        overall = registry_component(
            ctx, parts, version="1.2.3", git_sha="abc", uptime_seconds=7, process="p"
        )
        assert overall.status is S.CRITICAL
        assert [(i.code, i.severity.value) for i in overall.issues] == [
            ("component_critical", "error"),
            ("component_unknown", "info"),
        ]
        assert overall.metrics["version"] == "1.2.3" and overall.metrics["git_sha"] == "abc"
        assert overall.metrics["components_critical"] == 1


def _context(rating: RatingView | None = None) -> components.ReportContext:
    return components.ReportContext(
        now=1_800_000_000.0,
        window=WindowActivity(first=30_000_000 - 4, last=30_000_000),
        include_timeline=False,
        settings=Settings(),
        health=HealthSettings(),
        storage_description="test",
        storage_results={},
        storage_tracks={},
        upstream_tracks={},
        upstream_urls={},
        rating=rating or RatingView(),
        recording=True,
        flush_error=None,
        logs=lambda component, label: [],
    )


class TestRatingComponent:
    @pytest.mark.parametrize(
        ("view", "expected", "codes"),
        [
            (RatingView(unavailable="not reported"), S.UNKNOWN, ["rating_pipeline_unreported"]),
            (RatingView(queue_depth=0, running=0, recent_failures=0), S.OK, []),
            (
                RatingView(queue_depth=2, running=1, recent_failures=1, last_error="boom"),
                S.DEGRADED,
                ["rating_failures"],
            ),
            (RatingView(queue_depth=500, running=4, recent_failures=0), S.DEGRADED, ["rating_backlog"]),
            (RatingView(queue_depth=0, running=0, recent_failures=7), S.CRITICAL, ["rating_failures"]),
            (
                RatingView(queue_depth=0, running=0, recent_failures=7, last_rated_at="2025-01-01T00:00:00Z"),
                S.DEGRADED,
                ["rating_failures"],
            ),
        ],
    )
    def test_status_from_the_figures(self, view, expected, codes):
        rating = components.rating_component(_context(view))
        assert rating.status is expected
        assert [i.code for i in rating.issues] == codes


@dataclass
class _Stats:
    queue_depth: int = 3
    running: int = 1
    recent_failures: int = 0
    last_error: str | None = None
    last_rated_at: str | None = "2025-01-01T00:00:00Z"
    completed: int = 9


class TestRatingView:
    def test_reads_the_contract_fields(self, monkeypatch):
        monkeypatch.setattr(rating_services, "pipeline_stats", lambda: _Stats())
        view = rating_view(served_here=True)
        assert (view.queue_depth, view.running, view.recent_failures, view.unavailable) == (3, 1, 0, None)
        assert (view.last_rated_at, view.completed) == ("2025-01-01T00:00:00Z", 9)

    def test_unknown_when_the_figures_fail(self, monkeypatch):
        def broken() -> _Stats:
            raise RuntimeError("queue gone")

        monkeypatch.setattr(rating_services, "pipeline_stats", broken)
        assert "queue gone" in (rating_view(served_here=True).unavailable or "")

    def test_unknown_when_another_process_runs_the_pipeline(self, monkeypatch):
        called = []
        monkeypatch.setattr(rating_services, "pipeline_stats", lambda: called.append(1))
        assert "another process" in (rating_view(served_here=False).unavailable or "")
        assert called == []
