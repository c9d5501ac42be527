"""The write-behind buffer: counts stay exact (merged, never lost), groups land in order, shutdown flushes."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from package.core.config import Settings
from package.core.storage import Check, Put, Storage, open_storage
from package.core.storage.interface import Operation
from package.core.write_behind import WriteBehind
from tests.aws import AWS_ENV, moto_server
from tests.core.storage.conftest import aws_settings

__all__ = ["moto_server"]


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return open_storage(Settings(data_dir=tmp_path))


@pytest.fixture(params=["embedded", "aws"])
def any_storage(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """A storage of each driver: SQLite, and DynamoDB/S3 over the wire (moto's server)."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    on_aws = request.param == "aws"
    endpoint = request.getfixturevalue("moto_server") if on_aws else None
    return open_storage(aws_settings(tmp_path, endpoint) if on_aws else Settings(data_dir=tmp_path))


def stored_uses(storage: Storage, sk: str = "t1") -> int:
    return int((storage.records.get("USES", sk) or {}).get("uses", 0))


def test_counts_from_many_threads_are_exact_and_each_caller_sees_its_own_number(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=0.01)
    seen: list[int] = []
    lock = threading.Lock()

    def use(n: int) -> None:
        for _ in range(n):
            count = buffer.count(storage, "USES", "t1", "uses")
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=use, args=(250,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    buffer.close()
    assert stored_uses(storage) == 2000
    assert sorted(seen) == list(range(1, 2001))  # one process: the limit check sees every use


def test_two_processes_buffers_merge_into_one_exact_count(storage: Storage) -> None:
    storage.records.put("USES", "t1", {"uses": 5, "expires_at": 123})
    first, second = WriteBehind(flush_seconds=60), WriteBehind(flush_seconds=60)
    for _ in range(7):
        first.count(storage, "USES", "t1", "uses")
    for _ in range(4):
        second.count(storage, "USES", "t1", "uses")
    assert stored_uses(storage) == 5  # nothing written yet: off the request path
    first.flush()
    second.flush()
    assert stored_uses(storage) == 16
    assert storage.records.get("USES", "t1") == {"uses": 16, "expires_at": 123}  # other fields kept
    assert second.count(storage, "USES", "t1", "uses") == 17  # a flush learns the others' uses


def test_close_writes_everything_pending(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=60)
    for i in range(30):
        buffer.append(
            storage, [Put("LOG", f"{i:03d}", {"n": i}), Put(f"TRAIL#{i % 3}", f"{i:03d}", {"n": i})]
        )
    buffer.count(storage, "USES", "t1", "uses")
    assert storage.records.query("LOG") == []
    buffer.close()
    assert [r.item["n"] for r in storage.records.query("LOG")] == list(range(30))
    assert sum(len(storage.records.query(f"TRAIL#{k}")) for k in range(3)) == 30
    assert stored_uses(storage) == 1
    assert buffer.pending == 0


def test_the_background_thread_flushes_without_being_asked(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=0.05)
    buffer.append(storage, [Put("LOG", "a", {"n": 1})])
    deadline = time.monotonic() + 10
    while not storage.records.query("LOG"):
        assert time.monotonic() < deadline, "never flushed"
        time.sleep(0.02)
    buffer.close()


def test_a_full_buffer_flushes_early(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=60, max_pending=10)
    for i in range(12):
        buffer.append(storage, [Put("LOG", f"{i:03d}", {"n": i})])
    deadline = time.monotonic() + 10
    while len(storage.records.query("LOG")) < 10:
        assert time.monotonic() < deadline, "a full buffer waited for the timer"
        time.sleep(0.02)
    buffer.close()


class FailingOnce:
    """A record store whose next transaction and increment fail (storage briefly down)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.fail = True

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self.inner, name)
        if name in {"transact", "increment"} and self.fail:

            def broken(*args: object, **kwargs: object) -> object:
                raise OSError("disk unavailable")

            return broken
        return attribute


def test_a_failed_flush_keeps_everything_for_the_next(storage: Storage) -> None:
    flaky = FailingOnce(storage.records)
    shaky = Storage(records=flaky, blobs=storage.blobs, description="flaky")  # type: ignore[arg-type]
    buffer = WriteBehind(flush_seconds=60)
    buffer.append(shaky, [Put("LOG", "a", {"n": 1})])
    for _ in range(3):
        buffer.count(shaky, "USES", "t1", "uses")
    assert buffer.flush() == 0
    assert buffer.failures == 1 and buffer.pending == 4
    flaky.fail = False
    assert buffer.flush() == 4
    assert storage.records.query("LOG")[0].item == {"n": 1}
    assert stored_uses(storage) == 3


def test_zero_seconds_writes_at_once(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=0)
    assert buffer.count(storage, "USES", "t1", "uses") == 1
    buffer.append(storage, [Put("LOG", "a", {"n": 1})])
    assert stored_uses(storage) == 1 and storage.records.query("LOG")


def test_a_group_whose_check_fails_is_dropped_alone(storage: Storage) -> None:
    storage.records.put("THING", "kept", {})
    buffer = WriteBehind(flush_seconds=60)
    buffer.append(storage, [Check("THING", "kept"), Put("LOG", "1", {"n": 1})])
    buffer.append(storage, [Check("THING", "gone"), Put("LOG", "2", {"n": 2}), Put("TRAIL", "2", {})])
    buffer.append(storage, [Put("LOG", "3", {"n": 3})])
    assert buffer.flush() == 6
    assert [r.sk for r in storage.records.query("LOG")] == ["1", "3"]  # the others of its batch landed
    assert storage.records.query("TRAIL") == [] and buffer.dropped == 1
    assert buffer.pending == 0 and buffer.flush() == 0  # nothing kept to retry for ever


def test_written_at_once_a_failed_check_drops_the_group_too(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=0)
    buffer.append(storage, [Check("THING", "gone"), Put("LOG", "1", {"n": 1})])
    assert storage.records.query("LOG") == [] and buffer.dropped == 1


def test_groups_checking_one_item_share_one_check_in_a_batch(storage: Storage) -> None:
    storage.records.put("THING", "kept", {})
    buffer = WriteBehind(flush_seconds=60)
    written: list[list[object]] = []
    transact = storage.records.transact

    def recording(operations: Sequence[Operation]) -> None:
        written.append(list(operations))
        transact(operations)

    storage.records.transact = recording  # type: ignore[method-assign]
    for n in range(3):  # e.g. three downloads of one artifact
        buffer.append(storage, [Check("THING", "kept"), Put("LOG", str(n), {"n": n})])
    buffer.flush()
    assert (
        len(written) == 1 and sum(isinstance(op, Check) for op in written[0]) == 1
    )  # DynamoDB: one per item
    assert [r.sk for r in storage.records.query("LOG")] == ["0", "1", "2"]


def test_a_flush_fills_each_transaction_up_to_the_store_s_limit(any_storage: Storage) -> None:
    storage = any_storage
    storage.records.put("THING", "kept", {})
    # 600 operations: past the default max_pending, the buffer's thread would flush part of them meanwhile.
    buffer = WriteBehind(flush_seconds=60, max_pending=10_000)
    sizes: list[int] = []
    transact = storage.records.transact

    def recording(operations: Sequence[Operation]) -> None:
        sizes.append(len(operations))
        transact(operations)

    storage.records.transact = recording  # type: ignore[method-assign]
    for n in range(120):  # a download's audit entry: a check and four copies
        entry = {"n": n}
        puts = [Put(pk, f"{n:04d}", entry) for pk in ("AUDIT", "LOG", "BYUSER", "BYACT")]
        buffer.append(storage, [Check("THING", "kept"), *puts])
    buffer.flush()
    limit = storage.records.transaction_limit
    groups_per_transaction = limit // 5
    assert len(sizes) == -(-120 // groups_per_transaction)  # SQLite 500 (2), DynamoDB 50 (12)
    assert max(sizes) <= limit
    assert [r.item for r in storage.records.query("BYACT")] == [{"n": n} for n in range(120)]


def test_writes_to_one_item_go_in_separate_transactions_in_order(storage: Storage) -> None:
    buffer = WriteBehind(flush_seconds=60)
    written: list[list[Operation]] = []
    transact = storage.records.transact

    def recording(operations: Sequence[Operation]) -> None:
        written.append(list(operations))
        transact(operations)

    storage.records.transact = recording  # type: ignore[method-assign]
    for n in range(3):  # e.g. an access token's "last used" written by three requests
        buffer.append(storage, [Put("SEEN", "token", {"n": n}), Put("LOG", str(n), {})])
    buffer.flush()
    assert len(written) == 3  # DynamoDB refuses two operations on one item in one transaction
    assert storage.records.get("SEEN", "token") == {"n": 2}  # the last one wins, as written at once
    assert len(storage.records.query("LOG")) == 3


@pytest.mark.parametrize("flush_seconds", [60, 0])
def test_a_failed_group_is_replaced_by_what_otherwise_answers_then(
    storage: Storage, flush_seconds: float
) -> None:
    buffer = WriteBehind(flush_seconds=flush_seconds)
    asked: list[str] = []

    def log_only() -> Sequence[Operation]:
        asked.append("log")
        return [Put("LOG", "1", {"n": 1})]

    buffer.append(
        storage,
        [Check("THING", "gone"), Put("TRAIL", "1", {}), Put("LOG", "1", {"n": 1})],
        otherwise=log_only,
    )
    buffer.append(storage, [Check("THING", "gone"), Put("TRAIL", "2", {})], otherwise=lambda: [])
    buffer.flush()
    assert [r.sk for r in storage.records.query("LOG")] == ["1"] and storage.records.query("TRAIL") == []
    assert asked == ["log"] and buffer.replaced == 1 and buffer.dropped == 1


def test_groups_checking_one_item_differently_go_in_separate_transactions(any_storage: Storage) -> None:
    any_storage.records.put("THING", "kept", {"state": "a"})
    buffer = WriteBehind(flush_seconds=60)
    buffer.append(any_storage, [Check("THING", "kept", equals={"state": "a"}), Put("LOG", "1", {})])
    buffer.append(any_storage, [Check("THING", "kept"), Put("LOG", "2", {})])  # same item, another condition
    buffer.append(any_storage, [Check("THING", "kept", equals={"state": "b"}), Put("LOG", "3", {})])
    buffer.append(any_storage, [Check("THING", "kept"), Put("LOG", "4", {})])
    assert buffer.flush() == 8  # DynamoDB refused them together: the batch failed on every flush for ever
    assert buffer.failures == 0 and buffer.pending == 0 and buffer.dropped == 1
    assert [r.sk for r in any_storage.records.query("LOG")] == ["1", "2", "4"]


@pytest.mark.parametrize("flush_seconds", [60, 0])
def test_a_group_no_transaction_can_hold_is_refused_when_added(
    any_storage: Storage, flush_seconds: float
) -> None:
    buffer = WriteBehind(flush_seconds=flush_seconds)
    with pytest.raises(ValueError, match="two different ways"):
        buffer.append(
            any_storage, [Check("THING", "x"), Check("THING", "x", exists=False), Put("LOG", "1", {})]
        )
    with pytest.raises(ValueError, match="writes one item twice"):
        buffer.append(any_storage, [Put("LOG", "1", {"n": 1}), Put("LOG", "1", {"n": 2})])
    absent = Check("THING", "x", exists=False)
    buffer.append(any_storage, [absent, absent, Put("LOG", "2", {})])  # equal Checks: one, as before
    buffer.flush()
    assert buffer.failures == 0 and [r.sk for r in any_storage.records.query("LOG")] == ["2"]
