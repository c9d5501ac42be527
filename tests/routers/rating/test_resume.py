"""Ratings a stopped process left undone are resumed from storage (rating services' resume_background)."""

from __future__ import annotations

from package.routers.rating import services as rating_services
from tests.routers.rating.conftest import wait_ratings

BERT = "https://huggingface.co/google-bert/bert-base-uncased"


def test_a_hidden_model_left_unrated_is_rated_and_published(client, settings_env, monkeypatch):
    settings_env(async_rating="true")
    with monkeypatch.context() as dead:  # the process dies before its background rating runs
        dead.setattr(rating_services, "_schedule", lambda *args, **kwargs: None)
        artifact_id = client.post("/artifact/model", json={"url": BERT}).json()["metadata"]["id"]
    assert client.get(f"/artifacts/model/{artifact_id}").status_code == 404
    assert rating_services.resume_background() == 1  # what the next process does at start
    wait_ratings()
    assert client.get(f"/artifacts/model/{artifact_id}").status_code == 200
    assert rating_services.resume_background() == 0


def test_an_unrated_model_is_rated_only_when_ratings_run_on_ingest(client, settings_env, monkeypatch):
    with monkeypatch.context() as dead:
        dead.setattr(rating_services, "_schedule", lambda *args, **kwargs: None)
        client.post("/artifact/model", json={"url": BERT})
    settings_env(rate_on_ingest="false")
    assert rating_services.resume_background() == 0
    settings_env(rate_on_ingest="true")
    assert rating_services.resume_background() == 1
    wait_ratings()
    assert rating_services.resume_background() == 0
