"""Shared fixtures: a fake Hugging Face + GitHub hub on loopback and a registry app on temporary storage."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.config import clear_settings_caches
from package.core.storage import get_storage
from package.core.upstream.clients import get_upstreams
from package.core.write_behind import close_write_behind
from package.routers.artifacts.mirror import get_mirror_queue, reset_mirror_queue
from tests.fakehub import FakeHub


@pytest.fixture(scope="session")
def hub() -> Iterator[FakeHub]:
    """One fake hub for the whole run."""
    fake = FakeHub()
    fake.start()
    yield fake
    fake.stop()


def clear_process_caches() -> None:
    """Forget the process-wide settings, storage, upstream clients, mirror queue and rating pipeline."""
    from package.routers.rating import services as rating_services
    from package.routers.safety import services as safety_services

    reset_mirror_queue()  # stops copies a test left running (tests wait for theirs)
    close_write_behind()  # a test's batched bookkeeping reaches its own storage, not the next test's
    rating_services.reset_pipeline()  # waits for the ratings under way, then stops the pipeline
    safety_services.reset_scan_queue()  # waits for scans of files the test streamed, then stops the pool
    safety_services.reset_name_index()  # each test's registry is new: no names carried over in memory
    clear_settings_caches()  # the shared settings and every domain's
    for cached in (get_storage, get_upstreams):
        cached.cache_clear()


# argon2 at its real cost takes ~0.1 s per hash; tests hash with the cheapest parameters instead.
CHEAP_PASSWORD_HASHING = {
    "REGISTRY_PASSWORD_HASH_TIME_COST": "1",
    "REGISTRY_PASSWORD_HASH_MEMORY_KIB": "8",
    "REGISTRY_PASSWORD_HASH_PARALLELISM": "1",
}


@pytest.fixture
def registry_env(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Environment of a registry on fresh temporary storage, pointed at the fake hub."""
    hub.reset_controls()  # faults a test queued and did not use included
    hub.set_down("hf", False)
    hub.set_down("github", False)
    hub.set_rate_limited(False)
    hub.set_latency("hf", 0)
    hub.set_latency("github", 0)
    data_dir = tmp_path / "data"
    for name in list(os.environ):
        if name.startswith("REGISTRY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HF_ENDPOINT", hub.hf_url)
    monkeypatch.setenv("GITHUB_API_URL", hub.github_url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("REGISTRY_PUBLIC_URL", "http://registry.test")
    # The fixtures' multi-GB models are not copied unless a test raises this cap.
    monkeypatch.setenv("REGISTRY_MAX_ARTIFACT_BYTES", str(200 * 1024 * 1024))
    for name, value in CHEAP_PASSWORD_HASHING.items():
        monkeypatch.setenv(name, value)
    clear_process_caches()
    yield data_dir
    clear_process_caches()


DEFAULT_ADMIN = "ece30861defaultadminuser"
DEFAULT_ADMIN_PASSWORD = "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"


@pytest.fixture
def client(registry_env: Path) -> Iterator[TestClient]:
    """A client of a registry app serving every domain, logged in as the default admin.

    Every request sends the admin's token in X-Authorization; see `anonymous_client` and `user_client`
    for requests without a token or as another user.
    """
    from main import create_app

    with TestClient(create_app()) as test_client:
        test_client.headers["X-Authorization"] = login(test_client)
        yield test_client


def login(client: TestClient, name: str = DEFAULT_ADMIN, password: str = DEFAULT_ADMIN_PASSWORD) -> str:
    """The token `PUT /authenticate` answers for this user (`bearer <JWT>`), to send in X-Authorization."""
    body = {"user": {"name": name, "is_admin": name == DEFAULT_ADMIN}, "secret": {"password": password}}
    response = client.put("/authenticate", json=body)
    assert response.status_code == 200, response.text
    token: str = response.json()
    return token


@pytest.fixture
def anonymous_client(client: TestClient) -> TestClient:
    """A client of the same app that sends no token."""
    return TestClient(client.app)


@pytest.fixture
def user_client(client: TestClient) -> Callable[..., TestClient]:
    """Make a user through the admin's `POST /users` and return a client of the same app logged in as them."""

    def make(
        name: str = "alice",
        *,
        permissions: Sequence[str] = ("search",),
        is_admin: bool = False,
        password: str = "alice-password-1",
    ) -> TestClient:
        body = {"name": name, "password": password, "is_admin": is_admin, "permissions": list(permissions)}
        response = client.post("/users", json=body)
        assert response.status_code == 201, response.text
        other = TestClient(client.app)
        other.headers["X-Authorization"] = login(other, name, password)
        return other

    return make


def wait_for_mirrors() -> None:
    """Block until background mirroring has finished."""
    assert get_mirror_queue().wait_idle(timeout=60), "mirroring did not finish"


@pytest.fixture
def register(client: TestClient) -> Callable[..., str]:
    """Register a URL as an artifact (of `kind`, with an optional name) and return its id, asserting 201."""

    def run(url: str, kind: str = "model", name: str | None = None) -> str:
        body: dict[str, Any] = {"url": url} | ({"name": name} if name else {})
        response = client.post(f"/artifact/{kind}", json=body)
        assert response.status_code == 201, response.text
        artifact_id: str = response.json()["metadata"]["id"]
        return artifact_id

    return run
