"""The embedded record driver: keys, queries, conditions, transactions, counters."""

from __future__ import annotations

import threading

import pytest

from package.core.storage import Check, ConditionFailed, Delete, Put
from package.core.storage.sqlite import SqliteRecordStore


@pytest.fixture
def records(tmp_path):
    return SqliteRecordStore(tmp_path / "r.sqlite3")


def test_put_get_delete(records):
    records.put("P", "a", {"x": 1, "s": "ü'\";DROP TABLE records;"})
    assert records.get("P", "a") == {"x": 1, "s": "ü'\";DROP TABLE records;"}
    assert records.get("P", "b") is None
    records.delete("P", "a")
    assert records.get("P", "a") is None


def test_query_orders_by_sort_key_and_filters_prefix(records):
    for sk in ["b#2", "a#1", "b#1", "c"]:
        records.put("P", sk, {"sk": sk})
    records.put("Q", "b#3", {})
    assert [r.sk for r in records.query("P")] == ["a#1", "b#1", "b#2", "c"]
    assert [r.sk for r in records.query("P", prefix="b#")] == ["b#1", "b#2"]
    assert records.query("missing") == []


def test_if_absent_refuses_second_writer(records):
    records.put("P", "k", {"v": 1}, if_absent=True)
    with pytest.raises(ConditionFailed):
        records.put("P", "k", {"v": 2}, if_absent=True)
    assert records.get("P", "k") == {"v": 1}


def test_transaction_is_all_or_nothing(records):
    records.put("P", "taken", {})
    with pytest.raises(ConditionFailed):
        records.transact([Put("P", "new", {"v": 1}), Put("P", "taken", {}, if_absent=True)])
    assert records.get("P", "new") is None
    records.transact([Put("P", "new", {"v": 1}), Delete("P", "taken")])
    assert records.get("P", "taken") is None
    assert records.get("P", "new") == {"v": 1}


def test_check_with_expected_values(records):
    records.put("P", "k", {"generation": "g1"})
    records.transact([Check("P", "k", equals={"generation": "g1"}), Put("P", "x", {})])
    with pytest.raises(ConditionFailed):
        records.transact([Check("P", "k", equals={"generation": "g2"}), Put("P", "y", {})])
    with pytest.raises(ConditionFailed):
        records.transact([Check("P", "gone")])
    assert records.get("P", "y") is None


def test_increment_is_atomic_across_threads(records):
    def bump():
        for _ in range(50):
            records.increment("C", "n", "count")

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert records.get("C", "n") == {"count": 200}


def test_exactly_one_concurrent_claim_wins(records):
    wins: list[int] = []
    barrier = threading.Barrier(20)

    def claim(i: int) -> None:
        barrier.wait()
        try:
            records.put("SOURCE", "same", {"id": i}, if_absent=True)
            wins.append(i)
        except ConditionFailed:
            pass

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


def test_clear_and_persistence(tmp_path):
    first = SqliteRecordStore(tmp_path / "r.sqlite3")
    first.put("P", "k", {"v": 1})
    second = SqliteRecordStore(tmp_path / "r.sqlite3")
    assert second.get("P", "k") == {"v": 1}
    second.clear()
    assert first.get("P", "k") is None
