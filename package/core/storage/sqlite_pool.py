"""A bounded pool of SQLite connections lent to one thread at a time.

Why a pool and not one connection per thread: a server's thread pool (anyio's holds up to 40 threads, and
retires idle ones) would otherwise open a connection, with its own page cache and prepared statements, in
every thread it ever starts, and a finished thread's connection stays open until a cyclic garbage collection
(on Python 3.11 a connection and its statement cache form a cycle): they piled up by the hundred under
sustained downloads. A few long-lived connections bound that memory and keep their caches warm
(bench/download_memory.py measures the difference, docs/performance.md has the figures).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from package.core.storage.interface import StorageError


class ConnectionPool:
    """At most `size` connections made by `connect`, each lent to one thread at a time (warmest first)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], *, size: int, wait_seconds: float) -> None:
        if size < 1:
            raise ValueError("a connection pool needs at least one connection")
        self._connect = connect
        self._size = size
        self._wait_seconds = wait_seconds
        self._idle: list[sqlite3.Connection] = []
        self._opened = 0
        self._available = threading.Condition()
        self._pid = os.getpid()
        self._closed = False

    @property
    def opened(self) -> int:
        """How many connections are open now (lent or idle)."""
        return self._opened

    @contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        """A connection this thread alone uses until the block ends."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn, healthy=_outside_transaction(conn))

    def close(self) -> None:
        """Close the idle connections now and every lent one when it comes back."""
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._opened -= len(idle)
            self._available.notify_all()
        for conn in idle:
            conn.close()

    def _take(self) -> sqlite3.Connection:
        deadline = time.monotonic() + self._wait_seconds
        with self._available:
            self._forget_after_fork()
            while not self._idle and self._opened >= self._size:
                if self._closed:
                    raise StorageError("the SQLite connection pool is closed")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StorageError(f"no SQLite connection came free in {self._wait_seconds:.0f} s")
                self._available.wait(remaining)
            if self._closed:
                raise StorageError("the SQLite connection pool is closed")
            if self._idle:
                return self._idle.pop()
            self._opened += 1
        try:
            return self._connect()  # outside the lock: opening waits on the file, other threads need not
        except BaseException:
            with self._available:
                self._opened -= 1
                self._available.notify()
            raise

    def _give_back(self, conn: sqlite3.Connection, *, healthy: bool) -> None:
        with self._available:
            keep = healthy and not self._closed and self._pid == os.getpid()
            if keep:
                self._idle.append(conn)
            elif self._pid == os.getpid():
                self._opened -= 1
            self._available.notify()
        if not keep:
            conn.close()

    def _forget_after_fork(self) -> None:
        # SQLite connections must not cross a fork: a child forgets the parent's and opens its own.
        if self._pid != os.getpid():
            self._pid, self._idle, self._opened = os.getpid(), [], 0


def _outside_transaction(conn: sqlite3.Connection) -> bool:
    """Whether a connection is back outside any transaction (rolled back if needed): fit to lend again."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return not conn.in_transaction
    except sqlite3.Error:
        return False
