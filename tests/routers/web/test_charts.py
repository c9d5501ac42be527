"""The health page's chart and component order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from package.routers.health.interface import HealthComponentDetail, HealthStatus, HealthTimelineEntry
from package.routers.web.charts import CHART_HEIGHT, activity_chart

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _component(component_id: str, status: HealthStatus) -> HealthComponentDetail:
    return HealthComponentDetail(id=component_id, status=status, observed_at=NOW)


def test_bars_scale_to_the_busiest_bucket():
    timeline = [
        HealthTimelineEntry(bucket=NOW + timedelta(minutes=i), value=v) for i, v in enumerate([0, 5, 10])
    ]
    view = activity_chart([], timeline, window_minutes=60)
    assert [b.height for b in view.bars] == [0, CHART_HEIGHT // 2, CHART_HEIGHT]
    assert view.bars[0].x < view.bars[1].x < view.bars[2].x
    assert view.chart_max == 10 and view.bars[2].label == "00:02 UTC"


def test_no_activity_draws_no_bars():
    assert activity_chart([], [], window_minutes=60).bars == []


def test_the_rollup_comes_apart_and_the_worst_components_first():
    components = [
        _component("api", HealthStatus.OK),
        _component("registry", HealthStatus.DEGRADED),
        _component("github", HealthStatus.CRITICAL),
        _component("hf", HealthStatus.UNKNOWN),
    ]
    view = activity_chart(components, [], window_minutes=60)
    assert view.overall is not None and view.overall.id == "registry"
    assert [c.id for c in view.components] == ["github", "hf", "api"]
