"""POST/GET /health/download-benchmark through the app: who may, bounds, targets and unknown ids."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from package.core.config import clear_settings_caches
from tests.conftest import wait_for_mirrors

ROUTE = "/health/download-benchmark"
GENDER = "https://huggingface.co/crangana/trained-gender"
UNKNOWN_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def _body(artifact_id: str, **extra: object) -> dict[str, object]:
    return {"artifact_type": "model", "artifact_id": artifact_id} | extra


@pytest.fixture
def gender(register: Callable[..., str]) -> str:
    """A small model, mirrored."""
    artifact_id = register(GENDER)
    wait_for_mirrors()
    return artifact_id


class TestAdminOnly:
    def test_without_a_token_every_route_is_403(self, anonymous_client: TestClient):
        assert anonymous_client.post(ROUTE, json=_body(UNKNOWN_ID)).status_code == 403
        assert anonymous_client.get(ROUTE).status_code == 403
        assert anonymous_client.get(f"{ROUTE}/20261202T000000000-0123abcd").status_code == 403

    def test_a_user_who_may_download_but_is_not_admin_is_403(self, user_client, gender: str):
        alice = user_client(permissions=("search", "download"))
        assert alice.post(ROUTE, json=_body(gender)).status_code == 403
        assert alice.get(ROUTE).status_code == 403

    def test_an_admin_lists_no_runs_at_first(self, client: TestClient):
        response = client.get(ROUTE)
        assert response.status_code == 200 and response.json() == []


class TestBounds:
    @pytest.mark.parametrize(
        "extra",
        [
            {"clients": 0},
            {"clients": 101},
            {"downloads_per_client": 0},
            {"downloads_per_client": 1001},
            {"target": "https://elsewhere.example"},
            {"token": "forwarded"},
        ],
    )
    def test_out_of_bounds_or_unknown_fields_are_400(self, client: TestClient, extra):
        response = client.post(ROUTE, json=_body(UNKNOWN_ID, **extra))
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "bad_request"

    def test_more_bytes_than_the_cap_is_400(self, client: TestClient, gender: str, monkeypatch):
        monkeypatch.setenv("REGISTRY_HEALTH_BENCHMARK_MAX_BYTES", str(10_000))
        clear_settings_caches()
        response = client.post(ROUTE, json=_body(gender, clients=100, downloads_per_client=1000))
        assert response.status_code == 400
        assert "REGISTRY_HEALTH_BENCHMARK_MAX_BYTES" in response.json()["message"]
        assert client.get(ROUTE).json() == []  # nothing started, nothing stored

    def test_a_malformed_artifact_id_is_400(self, client: TestClient):
        assert client.post(ROUTE, json=_body("../../etc")).status_code == 400


class TestUnknown:
    def test_an_unknown_artifact_is_404(self, client: TestClient):
        response = client.post(ROUTE, json=_body(UNKNOWN_ID))
        assert response.status_code == 404

    def test_an_artifact_of_another_type_is_404(self, client: TestClient, gender: str):
        response = client.post(ROUTE, json={"artifact_type": "dataset", "artifact_id": gender})
        assert response.status_code == 404

    @pytest.mark.parametrize("job_id", ["20261202T000000000-0123abcd", "nope", "x" * 64])
    def test_an_unknown_run_is_404(self, client: TestClient, job_id: str):
        assert client.get(f"{ROUTE}/{job_id}").status_code == 404


class TestTargets:
    def test_public_without_a_public_url_is_400(self, client: TestClient, gender: str, monkeypatch):
        monkeypatch.delenv("REGISTRY_PUBLIC_URL")
        clear_settings_caches()
        response = client.post(ROUTE, json=_body(gender, target="public"))
        assert response.status_code == 400
        assert "not configured" in response.json()["message"]

    def test_loopback_where_downloads_are_served_elsewhere_is_400(self, client: TestClient, gender: str):
        from main import create_app

        with TestClient(create_app(["health", "auth"])) as health_only:
            health_only.headers["X-Authorization"] = client.headers["X-Authorization"]
            response = health_only.post(ROUTE, json=_body(gender))
        assert response.status_code == 400
        assert "use target `public`" in response.json()["message"]
