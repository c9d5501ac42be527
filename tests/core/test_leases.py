"""Leases: one live owner at a time, renewed by their owner, taken over from the dead or the expired."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from package.core import leases
from package.core.config import Settings
from package.core.leases import Duty
from package.core.storage import Storage, open_storage


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return open_storage(Settings(data_dir=tmp_path))


def test_one_owner_at_a_time_until_it_expires(storage: Storage) -> None:
    now = time.time()
    assert leases.take(storage, "job", seconds=10, now=now)
    assert leases.take(storage, "job", seconds=10, now=now + 1)  # the owner renews
    storage.records.put("LEASE", "job", {"owner": "elsewhere:1", "until": now + 10})
    assert not leases.take(storage, "job", seconds=10, now=now + 5)
    assert leases.holder(storage, "job") == "elsewhere:1"
    assert leases.take(storage, "job", seconds=10, now=now + 11)  # expired: taken over
    assert leases.holder(storage, "job") == leases.owner_id()


def test_a_dead_process_of_this_host_loses_its_lease_at_once(storage: Storage) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = f"{leases.owner_id().rpartition(':')[0]}:{done.stdout.strip()}"
    storage.records.put("LEASE", "job", {"owner": dead, "until": time.time() + 3600})
    assert leases.take(storage, "job", seconds=10)


def test_release_only_gives_up_ones_own_lease(storage: Storage) -> None:
    storage.records.put("LEASE", "job", {"owner": "elsewhere:1", "until": time.time() + 10})
    leases.release(storage, "job")
    assert leases.holder(storage, "job") == "elsewhere:1"
    storage.records.delete("LEASE", "job")
    assert leases.take(storage, "job", seconds=10)
    leases.release(storage, "job")
    assert leases.holder(storage, "job") is None


def test_concurrent_takers_get_it_once(storage: Storage) -> None:
    storage.records.put("LEASE", "job", {"owner": "elsewhere:1", "until": time.time() - 1})  # expired
    won: list[bool] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        # Each thread plays another process: the owner id is what tells processes apart.
        won.append(leases.take(storage, "job", seconds=10, owner=f"p{threading.get_ident()}:1"))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won.count(True) == 1


def test_a_duty_runs_its_task_once_and_is_handed_over_at_shutdown(storage: Storage) -> None:
    runs: list[str] = []
    first = Duty(lambda: storage, "resume", lambda: runs.append("first"), seconds=0.3, owner="p1:1")
    second = Duty(lambda: storage, "resume", lambda: runs.append("second"), seconds=0.3, owner="p2:2")
    assert first.start()
    assert not second.start()  # the first process holds it (and keeps renewing it)
    time.sleep(0.5)
    assert runs == ["first"]
    first.stop()  # a clean shutdown hands it over: the second takes it on its next try
    deadline = time.monotonic() + 5
    while runs != ["first", "second"]:
        assert time.monotonic() < deadline, runs
        time.sleep(0.05)
    second.stop()
    assert leases.holder(storage, "resume") is None
