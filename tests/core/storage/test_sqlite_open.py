"""Several processes opening one new database at once (workers starting together) all get a store."""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from package.core.storage import sqlite as driver
from package.core.storage.sqlite import SqliteRecordStore

PROCESSES = 6
ROUNDS = 20


def _open_and_write(path: str, barrier: Barrier, results: Queue[str]) -> None:
    barrier.wait()
    try:
        store = SqliteRecordStore(Path(path))
        store.put("OPENED", str(multiprocessing.current_process().pid), {})
        store.close()
        results.put("ok")
    except Exception as exc:  # reported to the test, which names it
        results.put(repr(exc))


def test_processes_opening_a_new_database_together_all_succeed(tmp_path):
    # Forked from a server process that imported this module: quick to start, and no test thread is copied.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    for round_number in range(ROUNDS):
        path = str(tmp_path / f"round{round_number}.sqlite3")
        barrier, results = context.Barrier(PROCESSES), context.Queue()
        processes = [
            context.Process(target=_open_and_write, args=(path, barrier, results)) for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        assert outcomes == ["ok"] * PROCESSES, outcomes
        assert len(SqliteRecordStore(Path(path)).query("OPENED")) == PROCESSES


class _BusyThenFine:
    """A connection whose journal mode switch is refused as busy a few times first."""

    def __init__(self, refusals: int, code: int = sqlite3.SQLITE_BUSY) -> None:
        self.refusals, self.code, self.switches = refusals, code, 0

    def execute(self, sql: str) -> _BusyThenFine:
        if sql == "PRAGMA journal_mode=WAL":
            if self.refusals:
                self.refusals -= 1
                error = sqlite3.OperationalError("database is locked")
                error.sqlite_errorcode = self.code
                raise error
            self.switches += 1
        return self

    def fetchone(self) -> tuple[str]:
        return ("delete",)


def test_a_busy_journal_mode_switch_is_retried():
    conn = _BusyThenFine(refusals=3)
    driver._use_wal(conn)  # type: ignore[arg-type]
    assert conn.switches == 1


def test_other_errors_of_the_switch_are_not_retried():
    conn = _BusyThenFine(refusals=1, code=sqlite3.SQLITE_IOERR)
    with pytest.raises(sqlite3.OperationalError):
        driver._use_wal(conn)  # type: ignore[arg-type]
    assert conn.switches == 0


def test_a_switch_busy_past_the_wait_gives_up(monkeypatch):
    monkeypatch.setattr(driver, "_BUSY_SECONDS", 0.05)
    with pytest.raises(sqlite3.OperationalError):
        driver._use_wal(_BusyThenFine(refusals=10_000))  # type: ignore[arg-type]


def test_a_connection_whose_set_up_fails_is_closed(tmp_path, monkeypatch):
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    def refuse(_conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(driver, "_use_wal", refuse)
    with pytest.raises(sqlite3.OperationalError):
        driver._open_connection(tmp_path / "r.sqlite3", driver.CACHE_KIB)
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        opened[0].execute("SELECT 1")
