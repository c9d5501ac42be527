"""GET /health and GET /health/ready in every container, whatever domains it mounts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from package.core.on_loop import on_loop
from package.core.storage import Storage, StorageError, get_storage


class _BrokenRecords:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StorageError("/var/secret/registry.sqlite3 is locked")

        return fail


@pytest.mark.parametrize(
    "domains", [["auth"], ["artifacts"], ["rating"], ["lineage"], ["license"], ["health"]]
)
def test_every_container_answers_liveness_and_readiness(registry_env, domains):
    from main import create_app

    with TestClient(create_app(domains)) as container:
        live = container.get("/health")
        assert live.status_code == 200 and live.json()["status"] == "ok"
        ready = container.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready" and ready.json()["domains"] == domains
        assert set(ready.json()["checks"]) == {"storage-records", "storage-blobs"}


def test_probes_are_documented_only_by_the_health_container(registry_env):
    from main import create_app

    assert "/health/ready" in create_app(["health"]).openapi()["paths"]
    assert "/health/ready" not in create_app(["lineage"]).openapi()["paths"]  # the gateway sends it to health


def test_unreachable_storage_is_503_naming_the_check_without_leaking_paths(registry_env):
    from main import create_app

    app = create_app(["lineage"])
    with TestClient(app) as container:
        real = get_storage()
        broken = Storage(records=_BrokenRecords(), blobs=real.blobs, description="broken")
        app.dependency_overrides[on_loop(get_storage)] = lambda: broken
        ready = container.get("/health/ready")
        assert container.get("/health").status_code == 200  # alive, though not ready
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["storage-records"] == {
        "ok": False,
        "latency_ms": body["checks"]["storage-records"]["latency_ms"],
        "error": "StorageError",
    }
    assert body["checks"]["storage-blobs"]["ok"] is True
    assert "secret" not in ready.text
