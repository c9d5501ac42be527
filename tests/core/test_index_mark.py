"""An index's completeness mark: a backfill runs once per store (per process: remembered), older marks
backfill again, and two processes on one store both end up marked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from package.core.config import Settings
from package.core.index_mark import IndexMark, file_partition
from package.core.storage import Record, Storage, open_storage


def opened(tmp_path: Path) -> Storage:
    return open_storage(Settings(data_dir=tmp_path))


def counting(calls: list[int]) -> Callable[[Storage, int], int]:
    def backfill(_storage: Storage, stored_version: int) -> int:
        calls.append(stored_version)
        return 7

    return backfill


def test_the_backfill_runs_once_then_the_mark_is_remembered(tmp_path: Path) -> None:
    storage, calls = opened(tmp_path), list[int]()
    mark = IndexMark("SCHEMA", "test-index", 2)
    assert mark.ensure(storage, counting(calls)) == 7
    assert mark.ensure(storage, counting(calls)) == 0 and calls == [0]
    storage.records.delete("SCHEMA", "test-index")
    assert mark.is_current(storage)  # remembered: no read
    mark.forget(storage)  # as a new process
    assert not mark.is_current(storage)


def test_an_older_mark_is_backfilled_from_its_version(tmp_path: Path) -> None:
    storage, calls = opened(tmp_path), list[int]()
    storage.records.put("SCHEMA", "test-index", {"version": 1})
    mark = IndexMark("SCHEMA", "test-index", 2)
    assert not mark.is_current(storage)
    assert mark.ensure(storage, counting(calls)) == 7 and calls == [1]
    assert mark.stored_version(storage) == 2


def test_a_mark_not_remembered_is_read_every_time(tmp_path: Path) -> None:
    storage = opened(tmp_path)
    mark = IndexMark("SCHEMA", "test-index", 1, remember=False)
    mark.mark(storage)
    assert mark.is_current(storage)
    storage.records.delete("SCHEMA", "test-index")
    assert not mark.is_current(storage)


def test_two_processes_on_one_store(tmp_path: Path) -> None:
    first, second, calls = opened(tmp_path), opened(tmp_path), list[int]()
    mark = IndexMark("SCHEMA", "test-index", 1)
    assert mark.ensure(first, counting(calls)) == 7
    assert mark.ensure(second, counting(calls)) == 0  # the other process's mark is read, not rebuilt
    assert calls == [0] and mark.is_current(second)


def test_file_partition_hands_every_item_over_in_bounded_batches(tmp_path: Path) -> None:
    storage = opened(tmp_path)
    storage.records.put_many([Record("LOG", f"{n:03d}", {"n": n}) for n in range(23)])
    batches: list[list[int]] = []

    def file(batch: list[Record]) -> int:
        batches.append([int(r.item["n"]) for r in batch])
        return len(batch) - 1  # what it says it filed is what is summed

    assert file_partition(storage, "LOG", file, read=10, batch=4) == 23 - len(batches)
    assert [n for batch in batches for n in batch] == list(range(23))
    assert [len(batch) for batch in batches] == [4, 4, 2, 4, 4, 2, 3]  # pages of 10, 10 and 3
