"""The health page's request-activity chart, laid out as SVG bars."""

from __future__ import annotations

from package.routers.health.interface import SEVERITY_ORDER, HealthComponentDetail, HealthTimelineEntry
from package.routers.web.interface import ActivityBar, HealthView

CHART_WIDTH, CHART_HEIGHT = 600, 160


def activity_chart(
    components: list[HealthComponentDetail], timeline: list[HealthTimelineEntry], *, window_minutes: int
) -> HealthView:
    """Bars scaled to the busiest bucket; each bar keeps its time and value for its label."""
    peak = max((entry.value for entry in timeline), default=0.0)
    count = max(len(timeline), 1)
    slot = CHART_WIDTH // count
    bars = []
    for index, entry in enumerate(timeline):
        height = round(entry.value / peak * CHART_HEIGHT) if peak > 0 else 0
        bars.append(
            ActivityBar(
                x=index * slot,
                y=CHART_HEIGHT - height,
                height=height,
                label=entry.bucket.strftime("%H:%M UTC"),
                value=entry.value,
            )
        )
    unit = next((entry.unit for entry in timeline if entry.unit), None) or "requests"
    overall = next((c for c in components if c.id == "registry"), None)
    return HealthView(
        overall=overall,
        components=sorted(
            (c for c in components if c is not overall), key=lambda c: SEVERITY_ORDER.index(c.status)
        ),
        window_minutes=window_minutes,
        chart_title=f"API requests over the last {window_minutes} minutes",
        chart_unit=unit,
        chart_max=peak,
        bars=bars,
        bar_width=max(slot - 2, 1),
    )
