"""Unpublished artifacts (REGISTRY_ASYNC_RATING): absent from every read until published; droppable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from package.core.config import get_settings
from package.core.errors import NotFound
from package.core.storage import get_storage
from package.routers.artifacts import services
from tests.conftest import CHEAP_PASSWORD_HASHING, login

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER_CODE = "https://github.com/openai/whisper"


@pytest.fixture
def async_client(registry_env, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A registry where models are registered unpublished and no rating ever publishes them."""
    from main import create_app
    from package.routers.rating import services as rating_services

    # Every container runs the rating hooks (main.py); here they must not publish behind the test's back.
    monkeypatch.setattr(rating_services, "_schedule", lambda *args, **kwargs: None)

    for name, value in CHEAP_PASSWORD_HASHING.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REGISTRY_ASYNC_RATING", "true")
    monkeypatch.setenv("REGISTRY_MIRROR", "off")
    get_settings.cache_clear()
    with TestClient(create_app(["auth", "artifacts"])) as client:
        client.headers["X-Authorization"] = login(client)
        yield client


def register(client: TestClient, kind: str, url: str) -> str:
    response = client.post(f"/artifact/{kind}", json={"url": url, "name": "shared-name"})
    assert response.status_code in {201, 202}, response.text
    artifact_id: str = response.json()["metadata"]["id"]
    return artifact_id


def test_an_unpublished_model_is_absent_from_every_read(async_client):
    model = register(async_client, "model", BERT)
    code = register(async_client, "code", WHISPER_CODE)  # only models wait for a rating
    assert async_client.get(f"/artifacts/model/{model}").status_code == 404
    assert async_client.get(f"/artifacts/code/{code}").status_code == 200
    assert async_client.get(f"/artifact/model/{model}/audit").status_code == 404
    assert async_client.get(f"/download/model/{model}").status_code == 404
    assert [a["id"] for a in async_client.get("/artifact/byName/shared-name").json()] == [code]
    assert async_client.post("/artifact/byRegEx", json={"regex": "BERT base model"}).status_code == 404
    listed = async_client.post("/artifacts", json=[{"name": "*"}]).json()
    assert [a["id"] for a in listed] == [code]
    storage = get_storage()
    with pytest.raises(NotFound):
        services.details(storage, model)
    assert services.details(storage, model, include_hidden=True).hidden is True
    assert [r.id for r in services.all_records(storage)] == [code]
    assert {r.id for r in services.all_records(storage, include_hidden=True)} == {model, code}
    assert async_client.post("/artifact/model", json={"url": BERT}).status_code == 409  # its source is held


def test_publish_makes_it_visible(async_client):
    model = register(async_client, "model", BERT)
    storage = get_storage()
    assert services.publish(storage, model) is True
    assert services.publish(storage, model) is False  # already visible
    assert async_client.get(f"/artifacts/model/{model}").status_code == 200
    assert services.details(storage, model).hidden is False
    assert async_client.post("/artifact/byRegEx", json={"regex": "BERT base model"}).status_code == 200


def test_discard_drops_only_unpublished_artifacts(async_client):
    model = register(async_client, "model", BERT)
    code = register(async_client, "code", WHISPER_CODE)
    storage = get_storage()
    services.discard(storage, code)  # published: left alone
    assert async_client.get(f"/artifacts/code/{code}").status_code == 200
    services.discard(storage, model)
    with pytest.raises(NotFound):
        services.details(storage, model, include_hidden=True)
    assert services.publish(storage, model) is False
    register(async_client, "model", BERT)  # the source is free again
