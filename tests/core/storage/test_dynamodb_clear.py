"""DynamoDB's clear: a write landing between a scan and its deletes does not outlive the clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from package.core.storage import Record, Storage, dynamodb, open_storage
from tests.aws import AWS_ENV
from tests.core.storage.conftest import aws_settings


@pytest.fixture
def aws_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    from moto import mock_aws

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield open_storage(aws_settings(tmp_path, None))


class ScanThenWrite:
    """The table, with a write slipped in after each of the first `writes` scans (a concurrent writer)."""

    def __init__(self, table: Any, writes: int) -> None:
        self.table, self.writes, self.scans = table, writes, 0

    def scan(self, **kwargs: Any) -> Any:
        response = self.table.scan(**kwargs)
        self.scans += 1
        if self.writes:
            self.writes -= 1
            self.table.put_item(Item={"pk": "CATALOG", "sk": f"late-{self.scans}", "item": {}})
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


def test_an_item_written_between_the_scan_and_the_deletes_is_cleared(aws_storage):
    records = aws_storage.records
    assert isinstance(records, dynamodb.DynamoRecordStore)
    records.put_many([Record("ARTIFACT", f"a{i}", {"n": i}) for i in range(30)])
    table = ScanThenWrite(records._table, writes=2)
    records._table = table
    records.clear()
    assert records.query("ARTIFACT") == [] and records.query("CATALOG") == []
    assert table.scans == 4  # the items, the first late write, the second, then a pass that found none


def test_writers_that_never_stop_do_not_keep_the_clear_going(aws_storage):
    records = aws_storage.records
    assert isinstance(records, dynamodb.DynamoRecordStore)
    records.put("ARTIFACT", "a", {})
    table = ScanThenWrite(records._table, writes=1_000)
    records._table = table
    records.clear()
    assert table.scans == dynamodb.CLEAR_PASSES
    assert records.query("ARTIFACT") == []
    assert len(records.query("CATALOG")) == 1  # the write after the last pass: after the clear
