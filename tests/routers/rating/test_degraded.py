"""/rate while GitHub is down or rate-limited (issue 13): facts fetched before stand in, and say so."""

from __future__ import annotations

import datetime as dt

import pytest

from package.core.config import clear_settings_caches, get_settings
from package.core.errors import UpstreamError
from package.core.storage import get_storage
from package.core.upstream.clients import get_upstreams
from package.routers.rating import database, refresh
from package.routers.rating.inputs import github_facts
from package.routers.rating.interface import RatingInputs, RatingReport
from tests.routers.rating.conftest import make_report, wait_ratings

HF = "https://huggingface.co/"


def _always_stale(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REGISTRY_RATING_UPSTREAM_CACHE_SECONDS", "0")
    clear_settings_caches()
    return get_settings()


def test_stale_repo_facts_stand_in_while_github_is_down(registry_env, hub, monkeypatch):
    settings = _always_stale(monkeypatch)
    storage, upstreams = get_storage(), get_upstreams()
    fresh = github_facts.repo_facts(storage, upstreams, settings, "openai/whisper")
    assert fresh is not None and "unavailable" not in fresh.origin
    hub.set_down("github")
    try:
        stale = github_facts.repo_facts(storage, upstreams, settings, "openai/whisper")
        with pytest.raises(UpstreamError):  # nothing fetched before: nothing to stand in
            github_facts.repo_facts(storage, upstreams, settings, "google-research/bert")
    finally:
        hub.set_down("github", False)
    assert stale is not None and stale.contributors == fresh.contributors
    assert "GitHub unavailable now" in stale.origin


def test_stale_review_facts_stand_in_while_github_is_rate_limited(registry_env, hub, monkeypatch):
    settings = _always_stale(monkeypatch)
    storage, upstreams = get_storage(), get_upstreams()
    fresh = github_facts.review_facts(storage, upstreams, settings, "openai/whisper")
    hub.set_rate_limited(True)
    try:
        stale = github_facts.review_facts(storage, upstreams, settings, "openai/whisper")
    finally:
        hub.set_rate_limited(False)
    assert stale == fresh


def test_rate_answers_200_on_earlier_facts_when_github_is_down(client, register, hub, settings_env):
    settings_env(rate_on_ingest="false", rating_upstream_cache_seconds="0")
    url = HF + "google-bert/bert-base-uncased"  # links google-research/bert on GitHub
    artifact_id = register(url)
    assert client.get(f"/artifact/model/{artifact_id}/rate").status_code == 200  # facts fetched and kept
    artifact = client.get(f"/artifacts/model/{artifact_id}").json()
    body = {"metadata": artifact["metadata"], "data": {"url": url}}
    assert client.put(f"/artifacts/model/{artifact_id}", json=body).status_code == 200  # needs a new rating
    hub.set_down("github")
    try:
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        details = client.get(f"/artifact/model/{artifact_id}/rate/details")
    finally:
        hub.set_down("github", False)
    assert response.status_code == 200, response.text
    assert "GitHub unavailable now" in details.text


def test_rate_answers_200_when_github_is_down_and_nothing_was_ever_fetched(
    client, register, hub, settings_env
):
    settings_env(rate_on_ingest="false")
    artifact_id = register(HF + "google-bert/bert-base-uncased")
    hub.set_down("github")
    try:
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        details = client.get(f"/artifact/model/{artifact_id}/rate/details").json()
    finally:
        hub.set_down("github", False)
    assert response.status_code == 200, response.text
    named = " ".join(details["degraded"])
    assert "bus_factor" in named and "google-research/bert" in named
    assert details["metrics"]["bus_factor"]["applicable"] is False
    assert database.get_report(get_storage(), artifact_id) is None  # a degraded rating is not kept


def test_a_stored_rating_whose_github_facts_expired_is_refreshed_when_read(
    client, register, hub, settings_env
):
    settings_env(rate_on_ingest="false", rating_upstream_cache_seconds="0")
    artifact_id = register(HF + "google-bert/bert-base-uncased")
    first = client.get(f"/artifact/model/{artifact_id}/rate").json()
    wait_ratings()
    hub.clear_requests()
    again = client.get(f"/artifact/model/{artifact_id}/rate").json()
    assert again == first  # answered as stored, at once
    wait_ratings()
    assert any(service == "github" for service, _, _ in hub.requests)  # then rated again from fresh facts
    assert refresh.running() == set()


def _stored(code_repository: str | None, code_ids: list[str], rated_at: str) -> RatingReport:
    inputs = RatingInputs(code_repository=code_repository, code_ids=code_ids, model_name="m")
    return make_report("m1", inputs, rated_at=rated_at)


def test_only_ratings_that_read_github_facts_expire():
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert refresh.due(_stored("o/r", [], "2026-01-01T00:00:00Z"), 3600, now=now)
    assert not refresh.due(_stored("o/r", [], "2026-01-01T23:30:00Z"), 3600, now=now)
    assert not refresh.due(_stored("o/r", ["c1"], "2026-01-01T00:00:00Z"), 3600, now=now)  # registered code
    assert not refresh.due(_stored(None, [], "2026-01-01T00:00:00Z"), 3600, now=now)


def test_refreshes_are_bounded():
    claimed = [model for model in (f"m{i}" for i in range(refresh.MAX_RUNNING + 2)) if refresh.claim(model)]
    try:
        assert len(claimed) == refresh.MAX_RUNNING
        assert not refresh.claim(claimed[0])
    finally:
        for model in claimed:
            refresh.release(model)
    assert refresh.running() == set()
