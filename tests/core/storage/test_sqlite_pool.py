"""The embedded store's bounded connection pool: many threads, few connections, none shared at once."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from package.core.storage import StorageError
from package.core.storage.sqlite import SqliteRecordStore
from package.core.storage.sqlite_pool import ConnectionPool


def _run(threads: int, work: Callable[[], None]) -> list[BaseException]:
    """Run `work` in `threads` threads started together; the exceptions they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def body() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # collected: the test asserts there are none
            errors.append(exc)

    started = [threading.Thread(target=body) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return errors


def _open_files(path: Path) -> int:
    """This process's descriptors open on `path` (Linux)."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += fd.readlink() == path
        except OSError:
            continue
    return count


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[ConnectionPool]:
    """A pool of two connections to a scratch database."""
    made = ConnectionPool(
        lambda: sqlite3.connect(tmp_path / "p.sqlite3", isolation_level=None, check_same_thread=False),
        size=2,
        wait_seconds=30,
    )
    yield made
    made.close()


class TestConnectionPool:
    def test_no_connection_is_lent_to_two_threads_at_once(self, pool: ConnectionPool):
        holders: dict[int, int] = {}
        guard = threading.Lock()
        overlaps: list[int] = []

        def borrow_many() -> None:
            for _ in range(50):
                with pool.borrow() as conn:
                    with guard:
                        if id(conn) in holders:
                            overlaps.append(id(conn))
                        holders[id(conn)] = threading.get_ident()
                    conn.execute("SELECT 1").fetchall()
                    with guard:
                        del holders[id(conn)]

        assert _run(16, borrow_many) == []
        assert overlaps == []
        assert pool.opened <= 2

    def test_a_thread_waits_for_a_free_connection_and_gives_up_after_the_wait(self, tmp_path: Path):
        pool = ConnectionPool(lambda: sqlite3.connect(tmp_path / "w.sqlite3"), size=1, wait_seconds=0.2)
        with pool.borrow(), pytest.raises(StorageError, match="came free"), pool.borrow():
            pass
        with pool.borrow() as conn:  # free again once returned
            assert conn.execute("SELECT 1").fetchone() == (1,)

    def test_the_warmest_connection_is_lent_first(self, pool: ConnectionPool):
        with pool.borrow() as first, pool.borrow() as second:
            assert first is not second
        with pool.borrow() as again:
            assert again is first  # given back last (the outer block ends after the inner)
        with pool.borrow() as latest:
            assert latest is first

    def test_a_connection_left_in_a_transaction_is_rolled_back_before_it_is_lent_again(
        self, pool: ConnectionPool
    ):
        with pool.borrow() as conn:
            conn.execute("CREATE TABLE t (x)")
        with pytest.raises(RuntimeError), pool.borrow() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("the caller failed mid-transaction")
        with pool.borrow() as conn:
            assert not conn.in_transaction
            assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)

    def test_a_failed_open_does_not_use_up_a_place(self, tmp_path: Path):
        attempts: list[int] = []

        def connect() -> sqlite3.Connection:
            attempts.append(1)
            if len(attempts) == 1:
                raise sqlite3.OperationalError("unable to open database file")
            return sqlite3.connect(tmp_path / "f.sqlite3")

        pool = ConnectionPool(connect, size=1, wait_seconds=0.2)
        with pytest.raises(sqlite3.OperationalError), pool.borrow():
            pass
        with pool.borrow() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert pool.opened == 1

    def test_closing_refuses_new_loans(self, pool: ConnectionPool):
        with pool.borrow():
            pass
        pool.close()
        assert pool.opened == 0
        with pytest.raises(StorageError, match="closed"), pool.borrow():
            pass

    def test_a_pool_needs_a_connection(self):
        with pytest.raises(ValueError, match="at least one"):
            ConnectionPool(lambda: sqlite3.connect(":memory:"), size=0, wait_seconds=1)


class TestStoreUnderManyThreads:
    def test_forty_threads_read_and_write_through_four_connections(self, tmp_path: Path):
        path = tmp_path / "r.sqlite3"
        store = SqliteRecordStore(path, connections=4)

        def mixed() -> None:
            me = threading.get_ident()
            for i in range(25):
                store.put("T", f"{me}-{i}", {"i": i})
                assert store.get("T", f"{me}-{i}") == {"i": i}
                store.increment("C", "n", "count")
                store.query("T", prefix=f"{me}-")

        assert _run(40, mixed) == []  # among them: no 'database is locked'
        assert store.get("C", "n") == {"count": 1000}
        assert len(store.query("T")) == 1000
        assert _open_files(path) <= 4  # one descriptor on the database file per connection
        store.close()

    def test_two_stores_on_one_file_write_concurrently(self, tmp_path: Path):
        # Two stores stand for two processes: SQLite's file lock, not the in-process writer lock, orders them.
        path = tmp_path / "shared.sqlite3"
        stores = [SqliteRecordStore(path, connections=2), SqliteRecordStore(path, connections=2)]
        turn = iter(range(10**6))
        lock = threading.Lock()

        def bump() -> None:
            with lock:
                store = stores[next(turn) % 2]
            for _ in range(50):
                store.increment("C", "n", "count")

        assert _run(8, bump) == []
        assert stores[0].get("C", "n") == {"count": 400}
        assert stores[1].get("C", "n") == {"count": 400}

    def test_reads_go_on_while_another_process_holds_the_write_lock(self, tmp_path: Path):
        path = tmp_path / "r.sqlite3"
        store = SqliteRecordStore(path, connections=2)
        store.put("P", "k", {"v": 1})
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("""INSERT OR REPLACE INTO records VALUES ('P', 'k', '{"v":2}')""")
        assert store.get("P", "k") == {"v": 1}  # WAL: the last commit, without waiting for the writer
        other.execute("COMMIT")
        other.close()
        assert store.get("P", "k") == {"v": 2}

    def test_closing_the_store_closes_its_connections(self, tmp_path: Path):
        path = tmp_path / "r.sqlite3"
        store = SqliteRecordStore(path)
        store.put("P", "k", {"v": 1})
        assert _open_files(path) >= 1
        store.close()
        assert _open_files(path) == 0

    def test_a_store_nobody_holds_closes_its_connections(self, tmp_path: Path):
        path = tmp_path / "r.sqlite3"
        store = SqliteRecordStore(path)
        store.put("P", "k", {"v": 1})
        del store
        assert _open_files(path) == 0  # at once, without waiting for a garbage collection
