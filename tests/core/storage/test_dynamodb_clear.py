"""DynamoDB's clear: a write landing between a scan and its deletes does not outlive the clear."""

from __future__ import annotations

from typing import Any

import pytest

from package.core.storage import Record, dynamodb

# The shared `storage` fixture, on its in-process moto driver only.
on_dynamodb = pytest.mark.parametrize("storage", ["aws-inprocess"], indirect=True)


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


@on_dynamodb
def test_an_item_written_between_the_scan_and_the_deletes_is_cleared(storage):
    records = storage.records
    assert isinstance(records, dynamodb.DynamoRecordStore)
    records.put_many([Record("ARTIFACT", f"a{i}", {"n": i}) for i in range(30)])
    table = ScanThenWrite(records._table, writes=2)
    records._table = table
    records.clear()
    assert records.query("ARTIFACT") == [] and records.query("CATALOG") == []
    assert table.scans == 4  # the items, the first late write, the second, then a pass that found none


@on_dynamodb
def test_writers_that_never_stop_do_not_keep_the_clear_going(storage):
    records = storage.records
    assert isinstance(records, dynamodb.DynamoRecordStore)
    records.put("ARTIFACT", "a", {})
    table = ScanThenWrite(records._table, writes=1_000)
    records._table = table
    records.clear()
    assert table.scans == dynamodb.CLEAR_PASSES
    assert records.query("ARTIFACT") == []
    assert len(records.query("CATALOG")) == 1  # the write after the last pass: after the clear
