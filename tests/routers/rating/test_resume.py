"""Ratings a stopped process left undone are resumed from storage (rating services' resume_background)."""

from __future__ import annotations

from package.core.storage import get_storage
from package.routers.artifacts.database import ARTIFACT, HIDDEN
from package.routers.rating import services as rating_services
from tests.routers.rating.conftest import GH, HF, count_reads, wait_ratings

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


def test_resuming_reads_only_the_hidden_models_records(client, register, settings_env, monkeypatch):
    with monkeypatch.context() as dead:
        dead.setattr(rating_services, "_schedule", lambda *args, **kwargs: None)
        unrated = register(HF + "microsoft/resnet-50")
        rated = register(HF + "openai/whisper-tiny")
        register(GH + "openai/whisper", kind="code")
        settings_env(async_rating="true")
        hidden = client.post("/artifact/model", json={"url": BERT}).json()["metadata"]["id"]
    assert client.get(f"/artifact/model/{rated}/rate").status_code == 200
    wait_ratings()
    settings_env(rate_on_ingest="true")
    reads = count_reads(get_storage(), monkeypatch)
    queued: list[str] = []
    pipeline = rating_services.get_pipeline()
    monkeypatch.setattr(pipeline, "submit_paced", lambda jobs, window: queued.extend(w for _, w in jobs))

    assert rating_services.resume_background() == 2

    assert sorted(queued) == sorted([f"rating of {unrated}", f"rating of {hidden}"])
    assert reads[("get_many", ARTIFACT)] == 1  # the hidden model's record, in one batched read
    assert not {key for key in reads if key[1] == ARTIFACT and key[0] != "get_many"}  # no other record
    assert reads[("query", HIDDEN)] == 1
