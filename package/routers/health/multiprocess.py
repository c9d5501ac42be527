"""`/metrics` for the whole server when it runs several worker processes (`make run`: granian, one per core).

Set `PROMETHEUS_MULTIPROC_DIR` (the Makefile's `run` does) and prometheus_client keeps every counter and
histogram in a memory-mapped file per process; a scrape, whichever worker answers it, sums the files of all
workers. Unset (uvicorn, tests, Lambda): every process counts in memory alone, as before.

The files of one server run live in a folder of their own under that directory, named after the server
process (the workers' parent: its pid and start time, so a recycled pid is a different run). A worker that
starts removes the folders of runs whose server is gone, so a restarted server starts from zero; a worker
respawned by a running server keeps the folder, so the server's counters never go back (a dead worker's counts
stay summed).
"""

from __future__ import annotations

import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "server-"

logger = logging.getLogger("registry.metrics")


def _process_start(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (Linux /proc), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22 of stat; the name before ")" may hold spaces


def run_name(pid: int) -> str | None:
    """The folder name of the server run whose server process is `pid` (None when it is not running)."""
    started = _process_start(pid)
    return None if started is None else f"{PREFIX}{pid}-{started}"


def _alive(name: str) -> bool:
    pid, _, started = name.removeprefix(PREFIX).partition("-")
    return pid.isdigit() and _process_start(int(pid)) == started


@lru_cache(maxsize=1)
def shared_dir() -> Path | None:
    """This server run's folder of metric files (made on first call), or None when multiprocess mode is off.

    Points PROMETHEUS_MULTIPROC_DIR at it, so it must run before the first metric is made in this process.
    """
    base = os.environ.get(ENV)
    if not base:
        return None
    root = Path(base)
    if root.name.startswith(PREFIX):  # set by this function in a parent process (a forked worker)
        return root
    folder = run_folder(root, run_name(os.getppid()) or f"{PREFIX}{os.getpid()}-orphan")
    os.environ[ENV] = str(folder)
    logger.info("metrics shared by the server's workers", extra={"folder": str(folder)})
    return folder


def run_folder(root: Path, name: str) -> Path:
    """The folder `name` under `root`, made, after removing those of runs whose server is gone.

    serve.py calls it with its own run's name when it starts several granian servers (one worker each) that
    must share one folder: their workers' parents differ.
    """
    for stale in root.glob(f"{PREFIX}*"):
        if stale.name != name and not _alive(stale.name):
            shutil.rmtree(stale, ignore_errors=True)  # a previous run's counts are not this run's
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def process_exited() -> None:
    """Drop this process's live gauges from the shared files (its counters stay: they happened)."""
    folder = shared_dir()
    if folder is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), str(folder))  # type: ignore[no-untyped-call]
