"""Registered datasets and code a rating reads are decoded once per generation, and never served once gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from package.core.storage import get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.rating.inputs import registered
from tests.routers.rating.conftest import GH, HF


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids whose details the rating inputs read from storage (the kept captures start empty)."""
    registered.clear()
    seen: list[str] = []
    original = artifact_services.details

    def counting(storage, artifact_id, **kwargs):
        seen.append(artifact_id)
        return original(storage, artifact_id, **kwargs)

    monkeypatch.setattr(artifact_services, "details", counting)
    yield seen
    registered.clear()


def _record(artifact_id: str):
    record = artifact_services.find_record(get_storage(), artifact_id)
    assert record is not None
    return record


def test_a_generation_is_read_once(client, register, reads):
    dataset_id = register(HF + "datasets/rajpurkar/squad", kind="dataset")
    record = _record(dataset_id)
    first = registered.details(get_storage(), record)
    again = registered.details(get_storage(), record)
    assert first is not None and again is first
    assert reads == [dataset_id]
    moved = record.model_copy(update={"generation": "another"})  # what an update of its source gives
    assert registered.details(get_storage(), moved) is not None
    assert reads == [dataset_id, dataset_id]


def test_derived_facts_are_computed_once(client, register, reads):
    code_id = register(GH + "openai/whisper", kind="code")
    record = _record(code_id)
    calls: list[str] = []

    def derive(details):
        calls.append(details.record.id)
        return details.record.name

    assert registered.derived(get_storage(), record, str, derive) == record.name
    assert registered.derived(get_storage(), record, str, derive) == record.name
    assert calls == [code_id]


def test_a_deleted_artifact_is_none(client, register, reads):
    dataset_id = register(HF + "datasets/rajpurkar/squad", kind="dataset")
    record = _record(dataset_id)
    assert client.delete(f"/artifacts/dataset/{dataset_id}").status_code == 200
    assert registered.details(get_storage(), record) is None
    assert registered.derived(get_storage(), record, str, lambda d: d.record.name) is None
