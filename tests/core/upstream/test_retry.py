"""Upstream faults (issue 13): transient failures are retried with backoff, then fail cleanly with a 502."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from package.core.errors import NotFound, UpstreamError
from package.core.upstream.clients import get_upstreams
from package.core.upstream.retry import get_retry_settings
from package.core.upstream.sources import parse_source_url
from tests.fakehub.controls import TRUNCATE

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER = "https://github.com/openai/whisper"


def snapshot(url):
    ref = parse_source_url(url)
    return get_upstreams().adapter(ref.kind).snapshot(ref)


def info_calls(hub, fragment):
    return [path for service, _, path in hub.requests if fragment in path]


@pytest.fixture(autouse=True)
def _fresh_retry_settings():
    get_retry_settings.cache_clear()
    yield
    get_retry_settings.cache_clear()


@pytest.mark.parametrize("faults", [(503,), (500, 502), (429,), (TRUNCATE,), (TRUNCATE, 504)])
def test_hugging_face_faults_are_retried(registry_env, hub, faults):
    hub.clear_requests()
    hub.fail_next("hf", *faults)
    assert snapshot(BERT).files
    assert len(info_calls(hub, "/api/models/google-bert/bert-base-uncased")) >= len(faults) + 1


@pytest.mark.parametrize("faults", [(502,), (TRUNCATE,), (429,)])
def test_github_faults_are_retried(registry_env, hub, faults):
    hub.fail_next("github", *faults)
    assert snapshot(WHISPER).files


def test_what_will_not_change_is_not_retried(registry_env, hub):
    hub.clear_requests()
    with pytest.raises(NotFound):
        snapshot("https://huggingface.co/nobody/nothing-here")
    assert len(info_calls(hub, "/api/models/nobody/nothing-here")) == 1
    hub.set_rate_limited(True)  # GitHub's quota is spent until its reset time: no use hammering it
    try:
        hub.clear_requests()
        with pytest.raises(UpstreamError, match="rate limit"):
            snapshot(WHISPER)
        assert len(info_calls(hub, "/repos/openai/whisper")) == 1
    finally:
        hub.set_rate_limited(False)


def test_a_lasting_outage_is_a_502_within_the_time_budget_and_stores_nothing(client, hub, monkeypatch):
    monkeypatch.setenv("REGISTRY_UPSTREAM_RETRY_SECONDS", "2")
    get_retry_settings.cache_clear()
    hub.set_down("hf")
    try:
        started = time.monotonic()
        response = client.post("/artifact/model", json={"url": BERT})
        elapsed = time.monotonic() - started
    finally:
        hub.set_down("hf", False)
    assert response.status_code == 502, response.text
    assert elapsed < 5
    assert client.post("/artifacts", json=[{"name": "*"}]).json() == []


def test_the_api_answers_while_an_upstream_is_slow(client, hub):
    hub.set_latency("hf", 1.5)
    outcome: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: outcome.update(r=client.post("/artifact/model", json={"url": BERT}))
    )
    try:
        worker.start()
        time.sleep(0.2)
        started = time.monotonic()
        assert client.get("/health").status_code == 200
        assert client.post("/artifacts", json=[{"name": "*"}]).status_code == 200
        assert time.monotonic() - started < 1.0
    finally:
        worker.join(30)
        hub.set_latency("hf", 0)
    assert outcome["r"].status_code == 201
