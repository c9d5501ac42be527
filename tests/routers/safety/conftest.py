"""The safety fixtures in the fake hub, a canary their payloads would create, and fresh safety settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.routers.safety import services as safety_services
from package.routers.safety.config import get_safety_settings
from tests.conftest import wait_for_mirrors
from tests.fakehub import FakeHub
from tests.fakehub.fixtures.safety_files import install_safety_repos


@pytest.fixture(scope="session")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file a payload would create if anything ever loaded it."""
    return tmp_path_factory.mktemp("canary") / "payload-ran"


@pytest.fixture(scope="session")
def safety_repos(hub: FakeHub, canary: Path) -> Iterator[None]:
    """The fixture repos, added to the session's fake hub once."""
    install_safety_repos(hub, canary)
    yield
    assert not canary.exists(), "a payload ran during the tests"


@pytest.fixture(autouse=True)
def fresh_safety_settings(registry_env: Path, safety_repos: None, canary: Path) -> Iterator[None]:
    """Each test reads the safety settings its environment sets, and nothing runs a payload."""
    get_safety_settings.cache_clear()
    yield
    safety_services.wait_idle()
    get_safety_settings.cache_clear()
    assert not canary.exists(), "a payload ran"


def scanned_report(client: TestClient, artifact_id: str, kind: str = "model") -> dict[str, Any]:
    """The safety report once mirroring and scanning are done."""
    wait_for_mirrors()
    assert safety_services.wait_idle(), "scans did not finish"
    response = client.get(f"/artifact/{kind}/{artifact_id}/safety")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def set_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set environment variables and forget the settings read so far."""
    from tests.conftest import clear_process_caches

    def run(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        clear_process_caches()
        get_safety_settings.cache_clear()

    return run
