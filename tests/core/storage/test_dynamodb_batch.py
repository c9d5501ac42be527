"""DynamoDB's batch reads: keys the service leaves unprocessed are asked again, a bounded number of times."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from package.core.storage import StorageError, dynamodb
from package.core.storage.dynamodb import DynamoRecordStore


class ThrottlingClient:
    """Answers each BatchGetItem with the first key only and leaves the rest unprocessed."""

    def __init__(self, items: dict[tuple[str, str], dict[str, Any]], *, serve: bool = True) -> None:
        self.items, self.serve, self.calls = items, serve, 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803  (boto3's name)
        self.calls += 1
        keys = RequestItems["t"]["Keys"]
        assert len(keys) <= 100
        served = keys[:1] if self.serve else []
        found = [
            k | {"item": self.items[(k["pk"], k["sk"])]} for k in served if (k["pk"], k["sk"]) in self.items
        ]
        rest = keys[len(served) :]
        return {"Responses": {"t": found}, "UnprocessedKeys": {"t": {"Keys": rest}} if rest else {}}


def store(client: ThrottlingClient) -> DynamoRecordStore:
    return DynamoRecordStore(SimpleNamespace(name="t", meta=SimpleNamespace(client=client)))


def test_unprocessed_keys_are_read_again(monkeypatch):
    monkeypatch.setattr(dynamodb, "_pause", lambda _: None)
    client = ThrottlingClient({("P", "a"): {"v": 1}, ("P", "c"): {"v": 3}})
    found = store(client).get_many([("P", "a"), ("P", "b"), ("P", "c")])
    assert found == {("P", "a"): {"v": 1}, ("P", "c"): {"v": 3}}
    assert client.calls == 3


def test_a_service_that_never_answers_is_a_storage_error(monkeypatch):
    monkeypatch.setattr(dynamodb, "_pause", lambda _: None)
    client = ThrottlingClient({}, serve=False)
    with pytest.raises(StorageError):
        store(client).get_many([("P", "a")])
    assert client.calls == dynamodb._BATCH_GET_ATTEMPTS
