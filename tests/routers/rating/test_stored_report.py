"""stored_report: the stored rating of the model's current generation, never a new computation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from package.core.config import clear_settings_caches
from package.core.storage import get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.rating import services


@pytest.fixture
def no_background_rating(registry_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No rating starts on its own (set after registry_env clears REGISTRY_*, before the app reads it)."""
    monkeypatch.setenv("REGISTRY_RATE_ON_INGEST", "false")
    clear_settings_caches()  # the autouse pipeline fixture has read the settings (rating's too) already


def test_none_until_rated_then_the_rating(
    no_background_rating: None, client: TestClient, register: Callable[..., str]
):
    model_id = register("https://huggingface.co/microsoft/resnet-50")
    storage = get_storage()
    record = artifact_services.details(storage, model_id).record
    assert services.stored_report(storage, record) is None
    rating = client.get(f"/artifact/model/{model_id}/rate").json()
    stored = services.stored_report(storage, record)
    assert stored is not None and stored.rating.net_score == rating["net_score"]
    stale = record.model_copy(update={"generation": "another"})
    assert services.stored_report(storage, stale) is None
