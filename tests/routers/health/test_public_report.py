"""`GET /health/components` for the public (issue 13): statuses only, computed at most every few seconds."""

from __future__ import annotations

import json

from package.routers.health import public_report, services


def test_the_public_sees_statuses_without_internals(client, anonymous_client, registry_env):
    public_report.forget_reports()
    body = anonymous_client.get("/health/components").json()
    assert body["components"]
    for c in body["components"]:
        assert not c.get("metrics") and not c.get("issues") and not c.get("logs") and "description" not in c
    text = json.dumps(body)
    for secret in (str(registry_env), "127.0.0.1", "pid"):
        assert secret not in text
    full = client.get("/health/components").json()  # the admin
    assert any(c.get("metrics") for c in full["components"])


def test_a_burst_of_public_requests_computes_one_report(anonymous_client, monkeypatch):
    public_report.forget_reports()
    calls = []
    real = services.component_report

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "component_report", counted)
    for _ in range(20):
        assert anonymous_client.get("/health/components").status_code == 200
    assert len(calls) == 1


def test_a_bad_token_is_the_public_view(anonymous_client):
    public_report.forget_reports()
    body = anonymous_client.get("/health/components", headers={"X-Authorization": "bearer nonsense"}).json()
    assert all(not c.get("metrics") for c in body["components"])
