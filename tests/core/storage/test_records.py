"""The record store contract, for every driver: keys, queries, conditions, transactions, counters."""

from __future__ import annotations

import threading

import pytest

from package.core.storage import Check, ConditionFailed, Delete, Put, Record
from package.core.storage.dynamodb import DynamoRecordStore
from package.core.storage.sqlite import SqliteRecordStore


@pytest.fixture
def records(storage):
    return storage.records


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


def test_check_compares_map_values_whole(records):
    state = {"status": "mirroring", "files_done": 2, "message": None}
    records.put("P", "k", {"generation": "g1", "mirror": state})
    records.transact([Check("P", "k", equals={"mirror": dict(state)}), Put("P", "x", {})])
    with pytest.raises(ConditionFailed):
        records.transact([Check("P", "k", equals={"mirror": state | {"files_done": 3}}), Put("P", "y", {})])
    with pytest.raises(ConditionFailed):
        records.transact([Check("P", "k", equals={"mirror": state | {"message": "x"}}), Put("P", "y", {})])
    assert records.get("P", "x") == {} and records.get("P", "y") is None


def _workers(request: pytest.FixtureRequest, threads: int) -> int:
    # Atomicity under threads is SQLite's (embedded) or DynamoDB's own guarantee; moto, in-process or as a
    # server, checks a condition and writes in separate steps, so under load two racers can both pass. On
    # moto the same operations run from one thread: that still tests the conditions' meaning.
    return threads if request.node.callspec.params["storage"] == "embedded" else 1


def test_increment_is_atomic_across_threads(records, request):
    workers = _workers(request, 4)

    def bump():
        for _ in range(200 // workers):
            records.increment("C", "n", "count")

    threads = [threading.Thread(target=bump) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert records.get("C", "n") == {"count": 200}


def test_exactly_one_concurrent_claim_wins(records, request):
    wins: list[int] = []
    workers = _workers(request, 20)
    barrier = threading.Barrier(workers)

    def claim(first: int) -> None:
        barrier.wait()
        for i in range(first, 20, workers):
            try:
                records.put("SOURCE", "same", {"id": i}, if_absent=True)
                wins.append(i)
            except ConditionFailed:
                pass

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


def test_clear(records):
    records.put("P", "k", {"v": 1})
    records.put("Q", "k", {"v": 2})
    records.clear()
    assert records.get("P", "k") is None
    assert records.query("Q") == []


def test_numbers_and_nesting_round_trip(records):
    item = {
        "i": 3,
        "f": 0.25,
        "neg": -1,
        "big": 2**40,
        "nested": {"l": [1, 2.5, "x", None, True]},
        "none": None,
    }
    records.put("P", "k", item)
    assert records.get("P", "k") == item


def test_large_transaction(records):
    records.transact([Put("BULK", f"{i:04d}", {"i": i}) for i in range(250)])
    assert len(records.query("BULK")) == 250
    records.transact([Delete("BULK", f"{i:04d}") for i in range(250)])
    assert records.query("BULK") == []


def test_one_item_object_written_under_several_keys(records):
    entry = {"user": "ana", "n": 1}  # an audit entry's copies (log, by user, by action) share one dict
    records.transact([Put("LOG", "k", entry), Put("BYUSER", "k", entry), Put("BYACT", "k", entry)])
    assert [records.get(pk, "k") for pk in ("LOG", "BYUSER", "BYACT")] == [entry] * 3


def test_transaction_limit_is_a_size_the_store_takes(records):
    limit = records.transaction_limit
    assert 10 <= limit <= (100 if isinstance(records, DynamoRecordStore) else 1000)  # DynamoDB: 100 items
    records.transact([Put("LIMIT", f"{i:04d}", {"i": i}) for i in range(limit)])
    assert len(records.query("LIMIT")) == limit


def test_embedded_transaction_applies_operations_in_order(tmp_path):
    # DynamoDB takes one operation per item in a transaction; SQLite applies several in their order, with
    # plain writes sent together between the checks and deletions.
    records = SqliteRecordStore(tmp_path / "r.sqlite3")
    records.transact([Put("P", "a", {"v": 1}), Check("P", "a", equals={"v": 1}), Put("P", "b", {})])
    records.transact([Put("P", "c", {}), Delete("P", "c"), Delete("P", "b"), Put("P", "b", {"v": 2})])
    assert records.get("P", "c") is None and records.get("P", "b") == {"v": 2}
    with pytest.raises(ConditionFailed):
        records.transact([Put("P", "d", {}), Put("P", "d2", {}), Check("P", "a", equals={"v": 9})])
    assert records.get("P", "d") is None and records.get("P", "d2") is None


def test_embedded_records_persist_across_opens(tmp_path):
    first = SqliteRecordStore(tmp_path / "r.sqlite3")
    first.put("P", "k", {"v": 1})
    second = SqliteRecordStore(tmp_path / "r.sqlite3")
    assert second.get("P", "k") == {"v": 1}
    second.clear()
    assert first.get("P", "k") is None


def test_check_and_write_on_the_same_item(records):
    records.put("P", "k", {"generation": "g1", "v": 1})
    records.transact(
        [Check("P", "k", equals={"generation": "g1"}), Put("P", "k", {"generation": "g1", "v": 2})]
    )
    assert records.get("P", "k") == {"generation": "g1", "v": 2}
    with pytest.raises(ConditionFailed):
        records.transact([Check("P", "k", equals={"generation": "old"}), Put("P", "k", {"v": 3})])
    with pytest.raises(ConditionFailed):
        records.transact([Check("P", "k", equals={"generation": "old"}), Delete("P", "k")])
    records.transact([Check("P", "k"), Delete("P", "k")])
    assert records.get("P", "k") is None


class TestQueryPage:
    def test_pages_in_sort_key_order_after_a_key(self, records):
        for sk in ["b#2", "a#1", "b#1", "c", "b#3"]:
            records.put("P", sk, {"sk": sk})
        records.put("Q", "b#0", {})
        assert [r.sk for r in records.query_page("P", limit=2)] == ["a#1", "b#1"]
        assert [r.sk for r in records.query_page("P", after="b#1", limit=2)] == ["b#2", "b#3"]
        assert [r.sk for r in records.query_page("P", after="b#3", limit=10)] == ["c"]
        assert records.query_page("P", after="c", limit=10) == []
        assert [r.sk for r in records.query_page("P", after="b#15", limit=2)] == ["b#2", "b#3"]  # not stored
        assert records.query_page("P", limit=0) == []

    def test_prefix_bounds_the_page(self, records):
        for sk in ["a#1", "b#1", "b#2", "b#3", "c"]:
            records.put("P", sk, {"sk": sk})
        assert [r.sk for r in records.query_page("P", prefix="b#", limit=2)] == ["b#1", "b#2"]
        assert [r.sk for r in records.query_page("P", prefix="b#", after="b#2", limit=5)] == ["b#3"]
        assert [r.sk for r in records.query_page("P", prefix="b#", after="a#9", limit=1)] == ["b#1"]
        assert records.query_page("P", prefix="b#", after="b#3", limit=5) == []
        assert records.query_page("P", prefix="b#", after="zz", limit=5) == []
        assert records.query_page("P", prefix="b#", limit=5)[0].item == {"sk": "b#1"}

    def test_key_page_gives_the_same_keys_without_items(self, records):
        for sk in ["b#2", "a#1", "b#1", "c", "b#3"]:
            records.put("P", sk, {"sk": sk})
        records.put("Q", "b#0", {})
        for after in [None, "a#1", "b#15", "b#3", "c", "zz"]:
            for limit in [0, 1, 2, 10]:
                expected = [r.sk for r in records.query_page("P", after=after, limit=limit)]
                assert records.key_page("P", after=after, limit=limit) == expected
        assert records.key_page("P", limit=3) == ["a#1", "b#1", "b#2"]
        assert records.key_page("R", limit=3) == []

    def test_walks_a_partition_larger_than_a_driver_page(self, records):
        records.transact([Put("P", f"{n:04d}", {"pad": "x" * 2000}) for n in range(60)])
        seen: list[str] = []
        after = None
        while page := records.query_page("P", after=after, limit=25):
            seen += [r.sk for r in page]
            after = page[-1].sk
        assert seen == [f"{n:04d}" for n in range(60)]
        keys: list[str] = []
        while page_keys := records.key_page("P", after=keys[-1] if keys else None, limit=25):
            keys += page_keys
        assert keys == seen


class TestGetMany:
    def test_returns_the_items_that_exist(self, records):
        records.put("P", "a", {"v": 1})
        records.put("Q", "a", {"v": 2.5})
        found = records.get_many([("P", "a"), ("Q", "a"), ("P", "missing"), ("P", "a")])
        assert found == {("P", "a"): {"v": 1}, ("Q", "a"): {"v": 2.5}}
        assert records.get_many([]) == {}

    def test_reads_more_keys_than_one_call_takes(self, records):
        for start in range(0, 250, 50):
            records.transact([Put("P", f"{n:04d}", {"n": n}) for n in range(start, start + 50)])
        keys = [("P", f"{n:04d}") for n in range(0, 260)]
        found = records.get_many(keys)
        assert len(found) == 250
        assert found[("P", "0249")] == {"n": 249}


class TestQueryPageBasics:
    def test_pages_in_sort_key_order(self, records):
        for sk in ["d", "a", "c", "b", "e"]:
            records.put("P", sk, {"sk": sk})
        records.put("Q", "a", {})
        assert [r.sk for r in records.query_page("P", limit=2)] == ["a", "b"]
        assert [r.sk for r in records.query_page("P", after="b", limit=2)] == ["c", "d"]
        assert [r.sk for r in records.query_page("P", after="d", limit=2)] == ["e"]
        assert records.query_page("P", after="e", limit=2) == []
        assert records.query_page("P", limit=0) == []
        assert records.query_page("P", limit=1)[0].item == {"sk": "a"}

    def test_prefix_with_and_without_a_start(self, records):
        for sk in ["a#1", "b#1", "b#2", "b#3", "c"]:
            records.put("P", sk, {})
        assert [r.sk for r in records.query_page("P", prefix="b#", limit=10)] == ["b#1", "b#2", "b#3"]
        assert [r.sk for r in records.query_page("P", prefix="b#", after="b#1", limit=1)] == ["b#2"]
        # A start before the prefix does not reach outside it.
        assert [r.sk for r in records.query_page("P", prefix="b#", after="a", limit=10)] == [
            "b#1",
            "b#2",
            "b#3",
        ]


class TestBatches:
    def test_get_many_returns_present_keys_only(self, records):
        records.put("P", "a", {"v": 1})
        records.put("Q", "b", {"v": 2.5})
        found = records.get_many([("P", "a"), ("Q", "b"), ("P", "missing"), ("P", "a")])
        assert found == {("P", "a"): {"v": 1}, ("Q", "b"): {"v": 2.5}}
        assert records.get_many([]) == {}

    def test_get_many_past_one_call(self, records):
        records.put_many([Record("P", f"{i:04d}", {"i": i}) for i in range(230)])
        found = records.get_many([("P", f"{i:04d}") for i in range(0, 240)])
        assert len(found) == 230
        assert found[("P", "0229")] == {"i": 229}

    def test_put_many_and_delete_many(self, records):
        records.put("P", "keep", {})
        records.put_many([Record("P", f"k{i}", {"i": i}) for i in range(60)])
        assert len(records.query("P")) == 61
        records.delete_many([("P", f"k{i}") for i in range(60)] + [("P", "never")])
        assert [r.sk for r in records.query("P")] == ["keep"]
        records.put_many([])
        records.delete_many([])
