"""Storing a rating: a model's children are re-rated only when they read another net score of it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.storage import get_storage
from package.core.write_behind import close_write_behind
from package.routers.artifacts import services as artifact_services
from package.routers.rating import database, rater
from package.routers.rating import services as rating_services
from tests.routers.rating.conftest import HF, rate, wait_ratings

PARENT = HF + "microsoft/resnet-50"
CHILD = HF + "crangana/trained-gender"  # its card names the parent as its base model


def _family(client: TestClient, register: Callable[..., str]) -> tuple[str, str]:
    """A rated parent and a rated child (ids)."""
    parent_id, child_id = register(PARENT), register(CHILD)
    wait_ratings()
    rate(client, parent_id)
    rate(client, child_id)
    wait_ratings()
    return parent_id, child_id


def test_the_child_records_the_parent_score_it_read(client, register):
    parent_id, child_id = _family(client, register)
    child = database.get_report(get_storage(), child_id)
    parent = database.get_report(get_storage(), parent_id)
    assert child is not None and parent is not None
    assert child.inputs.parent_scores == {parent_id: parent.rating.net_score}
    assert child.rating.tree_score == parent.rating.net_score


def test_rating_a_parent_again_to_the_same_score_re_rates_no_child(client, register):
    parent_id, child_id = _family(client, register)
    storage = get_storage()
    child_before = database.get_report(storage, child_id)
    database.delete_report(storage, parent_id)  # the next /rate computes it again (same inputs, same score)
    computed = rating_services.pipeline_stats().completed
    rate(client, parent_id)
    wait_ratings()
    assert rating_services.pipeline_stats().completed == computed + 1  # the parent alone
    assert database.get_report(storage, child_id) == child_before


def test_a_child_that_read_another_score_is_re_rated(client, register):
    parent_id, child_id = _family(client, register)
    storage = get_storage()
    child = database.get_report(storage, child_id)
    assert child is not None
    for recorded in ({parent_id: 0.0123}, {}):  # another score; none (a rating stored before they were kept)
        inputs = child.inputs.model_copy(update={"parent_scores": recorded})
        database.put_report(storage, child.model_copy(update={"inputs": inputs}))
        database.delete_report(storage, parent_id)
        net = rate(client, parent_id)["net_score"]
        wait_ratings()
        fresh = database.get_report(storage, child_id)
        assert fresh is not None and fresh.inputs.parent_scores == {parent_id: net}


class TestStoredAfterTheAnswer:
    """A rating a request computed is stored after it is answered; meanwhile a request for it joins it."""

    @pytest.fixture
    def held(
        self, monkeypatch: pytest.MonkeyPatch, settings_env: Callable[..., None]
    ) -> Iterator[threading.Event]:
        """Hold every store until the test sets the event (so the window between answer and store is seen)."""
        settings_env(rate_on_ingest="false")
        release = threading.Event()
        store = rater._store

        def held_store(*args: Any, **kwargs: Any) -> None:
            assert release.wait(timeout=30)
            store(*args, **kwargs)

        monkeypatch.setattr(rater, "_store", held_store)
        yield release
        release.set()

    def test_a_request_in_between_joins_the_computation(self, client, register, held):
        model = register(CHILD)
        computed = rating_services.pipeline_stats().completed
        first = rate(client, model)  # answered while its store is held
        assert database.get_report(get_storage(), model) is None
        assert rate(client, model) == first
        assert rating_services.pipeline_stats().completed == computed + 1  # not computed again
        held.set()
        wait_ratings()
        stored = database.get_report(get_storage(), model)
        assert stored is not None and stored.rating.model_dump() == first

    def test_readers_of_stored_ratings_wait_for_it(self, client, register, held):
        model = register(CHILD)
        rate(client, model)
        threading.Timer(0.2, held.set).start()
        record = artifact_services.find_record(get_storage(), model)
        assert record is not None
        assert rating_services.stored_report(get_storage(), record) is not None

    def test_without_write_behind_it_is_stored_before_the_answer(
        self, client, register, settings_env: Callable[..., None], monkeypatch: pytest.MonkeyPatch
    ):
        settings_env(rate_on_ingest="false", write_behind_ms="0")  # as on Lambda
        close_write_behind()
        threads: list[str] = []
        store = rater._store

        def recorded(*args: Any, **kwargs: Any) -> None:
            threads.append(threading.current_thread().name)
            store(*args, **kwargs)

        monkeypatch.setattr(rater, "_store", recorded)
        model = register(CHILD)
        rate(client, model)
        assert len(threads) == 1 and not threads[0].startswith("rating-store")  # in the request's thread
        assert database.get_report(get_storage(), model) is not None
