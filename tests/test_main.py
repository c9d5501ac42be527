"""App assembly: domain subsets, the REGISTRY_DOMAINS setting, and the Lambda handler."""

from __future__ import annotations

import json

import pytest

from main import create_app
from tests.conftest import clear_process_caches


def _paths(app):
    return set(app.openapi()["paths"])


def test_a_subset_mounts_only_its_routes(registry_env):
    paths = _paths(create_app(["health"]))
    assert "/health" in paths
    assert "/artifacts" not in paths


def test_domains_setting_picks_the_subset(registry_env, monkeypatch):
    monkeypatch.setenv("REGISTRY_DOMAINS", "artifacts")
    clear_process_caches()
    paths = _paths(create_app())
    assert "/artifacts" in paths
    assert "/tracks" not in paths


def test_unknown_domain_is_refused(registry_env, monkeypatch):
    from pydantic import ValidationError

    monkeypatch.setenv("REGISTRY_DOMAINS", "artifacts,widgets")
    clear_process_caches()
    with pytest.raises(ValidationError, match="widgets"):
        create_app()


def test_lambda_handler_serves_an_api_gateway_event(registry_env):
    from mangum import Mangum

    handler = Mangum(create_app(), lifespan="off")
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/tracks",
        "rawQueryString": "",
        "headers": {"host": "example.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "http": {"method": "GET", "path": "/tracks", "sourceIp": "203.0.113.7", "protocol": "HTTP/1.1"},
            "stage": "$default",
            "domainName": "example.execute-api.us-east-1.amazonaws.com",
        },
        "isBase64Encoded": False,
    }
    result = handler(event, None)  # type: ignore[arg-type]  # the handler reads no context
    assert result["statusCode"] == 200
    assert "Performance track" in json.loads(result["body"])["plannedTracks"]


def test_a_container_without_the_rating_domain_still_rates_what_it_registers(registry_env, monkeypatch):
    """Events are in-process: async rating completes in the container that registered the model."""
    import time

    from fastapi.testclient import TestClient

    from tests.conftest import login

    monkeypatch.setenv("REGISTRY_ASYNC_RATING", "true")
    clear_process_caches()
    with TestClient(create_app(["auth", "artifacts"])) as client:
        client.headers["X-Authorization"] = login(client)
        created = client.post("/artifact/model", json={"url": "https://huggingface.co/openai/whisper-tiny"})
        assert created.status_code == 202
        aid = created.json()["metadata"]["id"]
        deadline = time.monotonic() + 20
        while client.get(f"/artifacts/model/{aid}").status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get(f"/artifacts/model/{aid}").status_code == 200
