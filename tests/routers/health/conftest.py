"""Health-domain fixtures: the app's health runtime and a report helper."""

from __future__ import annotations

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
