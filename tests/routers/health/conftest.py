"""Health-domain fixtures: the app's health runtime, a report helper, and the spec's report shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from package.routers.health.runtime import HealthRuntime


@pytest.fixture
def runtime(client) -> HealthRuntime:
    """The health runtime of the `client` fixture's app, its background prober stopped (tests probe)."""
    health: HealthRuntime = client.app.state.health
    health.prober.stop()
    return health


def report(client, **params) -> dict[str, Any]:
    """GET /health/components and return the body (asserting 200)."""
    response = client.get("/health/components", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def component(body: dict[str, Any], component_id: str) -> dict[str, Any]:
    """One component of a report."""
    found: list[dict[str, Any]] = [c for c in body["components"] if c["id"] == component_id]
    assert len(found) == 1, [c["id"] for c in body["components"]]
    return found[0]


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


def parse_time(text: str) -> datetime:
    """An ISO-8601 time of a report, which must carry its zone."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    return moment


def assert_spec_shape(body: dict[str, Any]) -> None:
    """The spec's HealthComponentCollection, field by field (no field outside the schema)."""
    assert set(body) <= COLLECTION_KEYS and {"components", "generated_at"} <= set(body)
    parse_time(body["generated_at"])
    assert isinstance(body["window_minutes"], int) and body["window_minutes"] >= 5
    for detail in body["components"]:
        assert set(detail) <= DETAIL_KEYS and {"id", "status", "observed_at"} <= set(detail)
        assert detail["status"] in STATUSES
        parse_time(detail["observed_at"])
        for value in detail.get("metrics", {}).values():
            assert isinstance(value, int | float | str | bool)
        for issue in detail.get("issues", []):
            assert set(issue) <= ISSUE_KEYS and {"code", "severity", "summary"} <= set(issue)
            assert issue["severity"] in {"info", "warning", "error"}
        for entry in detail.get("timeline", []):
            assert set(entry) <= TIMELINE_KEYS
            parse_time(entry["bucket"])
            assert isinstance(entry["value"], int | float)
        for log in detail.get("logs", []):
            assert set(log) <= LOG_KEYS and {"label", "url"} <= set(log)
            assert log["url"].startswith("http")
