"""A server run's folder of shared metric files: named after the server process; finished runs' are gone."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from package.routers.health import multiprocess


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    multiprocess.shared_dir.cache_clear()
    yield
    multiprocess.shared_dir.cache_clear()  # the next caller sees the (restored) environment again


def test_unset_means_each_process_counts_alone(fresh, monkeypatch):
    monkeypatch.delenv(multiprocess.ENV, raising=False)
    assert multiprocess.shared_dir() is None
    multiprocess.process_exited()  # nothing to do, nothing fails


def test_a_worker_uses_its_servers_folder_and_removes_finished_runs(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv(multiprocess.ENV, str(tmp_path))
    gone = tmp_path / "server-999999999-1"  # no such process: a finished run
    gone.mkdir()
    (gone / "counter_1.db").write_bytes(b"")
    running = tmp_path / str(multiprocess.run_name(os.getpid()))
    running.mkdir()  # another server still running (this test process) keeps its counts
    folder = multiprocess.shared_dir()
    expected = multiprocess.run_name(os.getppid())
    assert folder is not None and folder.name == expected and folder.is_dir()
    assert os.environ[multiprocess.ENV] == str(folder)  # where prometheus_client writes this process's files
    assert not gone.exists() and running.exists()


def test_a_forked_worker_keeps_the_folder_its_parent_chose(fresh, monkeypatch, tmp_path):
    chosen = tmp_path / "server-12-34"
    monkeypatch.setenv(multiprocess.ENV, str(chosen))
    assert multiprocess.shared_dir() == chosen


def test_a_recycled_pid_is_another_run():
    name = multiprocess.run_name(os.getpid())
    assert name is not None and name.startswith(f"server-{os.getpid()}-")
    assert multiprocess.run_name(999_999_999) is None
    other_start = name.rsplit("-", 1)[0] + "-0"  # the same pid, started at another time
    assert not multiprocess._alive(other_start) and multiprocess._alive(name)


def test_a_respawned_worker_joins_its_running_servers_counts(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv(multiprocess.ENV, str(tmp_path))
    ours = tmp_path / str(multiprocess.run_name(os.getppid()))
    ours.mkdir()
    (ours / "counter_1.db").write_bytes(b"x")  # a worker of this server that died: its counts stay summed
    assert multiprocess.shared_dir() == ours
    assert (ours / "counter_1.db").read_bytes() == b"x"
