"""/rate while GitHub is down or rate-limited (issue 13): facts fetched before stand in, and say so."""

from __future__ import annotations

import pytest

from package.core.config import clear_settings_caches, get_settings
from package.core.errors import UpstreamError
from package.core.storage import get_storage
from package.core.upstream.clients import get_upstreams
from package.routers.rating.inputs import github_facts

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
