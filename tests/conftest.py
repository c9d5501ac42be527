"""Shared fixtures: a fake Hugging Face + GitHub hub on loopback and a registry app on temporary storage."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from package.core.config import get_settings
from package.core.storage import get_storage
from package.core.upstream.clients import get_upstreams
from package.routers.artifacts.mirror import get_mirror_queue
from tests.fakehub import FakeHub


@pytest.fixture(scope="session")
def hub() -> Iterator[FakeHub]:
    """One fake hub for the whole run."""
    fake = FakeHub()
    fake.start()
    yield fake
    fake.stop()


def clear_process_caches() -> None:
    """Forget the process-wide settings, storage, upstream clients and mirror queue."""
    if get_mirror_queue.cache_info().currsize:
        get_mirror_queue().wait_idle(timeout=60)
    for cached in (get_settings, get_storage, get_upstreams, get_mirror_queue):
        cached.cache_clear()


@pytest.fixture
def registry_env(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Environment of a registry on fresh temporary storage, pointed at the fake hub."""
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
    clear_process_caches()
    yield data_dir
    clear_process_caches()


@pytest.fixture
def client(registry_env: Path) -> Iterator[TestClient]:
    """A client of a registry app serving every domain."""
    from main import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def wait_for_mirrors() -> None:
    """Block until background mirroring has finished."""
    assert get_mirror_queue().wait_idle(timeout=60), "mirroring did not finish"
