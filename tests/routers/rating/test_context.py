"""Where a rating's metrics run: concurrently where an input may wait on an upstream or another rating, in the
request's thread when every input is local; the scores are the same either way."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from package.core.storage import get_storage
from package.routers.rating import database, scoring
from package.routers.rating.context import RatingContext
from package.routers.rating.metrics import all_metrics
from package.routers.rating.metrics.base import Metric, Outcome
from tests.fakehub import FakeHub
from tests.routers.rating.conftest import HF, rate, wait_ratings

WHISPER = HF + "openai/whisper-tiny"  # its card links github.com/openai/whisper
PARENT = HF + "microsoft/resnet-50"
CHILD = HF + "crangana/trained-gender"  # its card names the parent as its base model


class Spy:
    """What each rating's `may_wait` answered, and the threads its metrics ran in."""

    def __init__(self) -> None:
        self.answers: list[bool] = []
        self.threads: list[str] = []


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch, settings_env: Callable[..., None]) -> Spy:
    settings_env(rate_on_ingest="false")  # every rating below is computed by the /rate that asks for it
    seen = Spy()
    guess = RatingContext.may_wait

    def answered(ctx: RatingContext) -> bool:
        seen.answers.append(guess(ctx))
        return seen.answers[-1]

    def watched(metric: Metric) -> Metric:
        def compute(ctx: RatingContext) -> Outcome:
            seen.threads.append(threading.current_thread().name)
            return metric.compute(ctx)

        return replace(metric, compute=compute)

    metrics = tuple(watched(m) for m in all_metrics())
    monkeypatch.setattr(RatingContext, "may_wait", answered)
    monkeypatch.setattr(scoring, "all_metrics", lambda: metrics)
    return seen


def _scores(rating: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in rating.items() if not key.endswith("_latency")}


def test_metrics_run_in_the_request_thread_once_every_input_is_local(
    client: TestClient, register: Callable[..., str], hub: FakeHub, spy: Spy
) -> None:
    model = register(WHISPER)
    hub.clear_requests()
    first = rate(client, model)  # the GitHub repository's facts are not fetched yet
    assert spy.answers == [True]
    assert any(service == "github" for service, _, _ in hub.requests)
    assert len(spy.threads) == len(all_metrics())
    assert all(name.startswith("rating-metric") for name in spy.threads)
    spy.threads.clear()
    wait_ratings()  # stored after it was answered
    database.delete_report(get_storage(), model)
    hub.clear_requests()
    again = rate(client, model)  # every input is in storage now
    assert spy.answers == [True, False]
    assert hub.requests == []
    assert len(set(spy.threads)) == 1 and not spy.threads[0].startswith("rating-metric")
    assert _scores(again) == _scores(first)  # the same rating, wherever its metrics ran


def test_a_parent_without_a_stored_rating_may_wait(
    client: TestClient, register: Callable[..., str], spy: Spy
) -> None:
    parent, child = register(PARENT), register(CHILD)
    rate(client, child)  # the parent is rated on the way, from tree_score
    assert spy.answers[0] is True
    wait_ratings()
    assert database.get_report(get_storage(), parent) is not None
    database.delete_report(get_storage(), child)
    spy.answers.clear()
    rate(client, child)
    assert spy.answers == [False]  # the parent's stored rating is read, not computed
