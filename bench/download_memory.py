"""Does the download server's memory stay flat? Rounds of 20 MiB bundle downloads, memory after each.

The registry (a fake hub, `--models` models, the 20 MiB one mirrored; seeded as bench/download_throughput.py
does) is served by each configuration in turn, which then answers `--rounds` rounds of `--clients` clients
downloading the bundle `--per-client` times each. After the warm-up download and after every round, summed
over the server's processes (/proc/<pid>/smaps_rollup, bench/memory.py): resident memory (RSS), anonymous
memory (heaps, malloc arenas, SQLite caches: the processes' own, what a leak grows), file-backed resident
pages (libraries, mapped files: not the blob's page cache, which pathsend never maps), USS; also threads and
open SQLite connections (descriptors on the database file), and the load average. Each configuration ends with
"memory flat: yes/no (MiB per 1,000 downloads)", the least-squares slope of anonymous memory over the rounds
after the first (which warms threads, connections, caches and arenas), flat below 1 MiB per 1,000.
  make-run                 the Makefile's `make run` command (granian, one worker per core)
  make-run-per-thread      the same with the store's old per-thread SQLite connections (bench/memory_app.py)
  make-run-per-thread-small-cache, make-run-per-thread-arena2, make-run-per-thread-trim
                           the old store with a 64 KiB SQLite page cache / MALLOC_ARENA_MAX=2 / malloc_trim
  make-run-arena2, make-run-trim   the pooled store with MALLOC_ARENA_MAX=2 / malloc_trim every 2 s
  bare                     `make run`'s granian serving the same file by pathsend with no registry: the floor
  workers-1                granian with one worker
  traced-1                 granian with one worker and tracemalloc on (bench/traced_app.py): Python's own
                           allocations after every round, and the source lines that grew from first to last

    python -m bench.download_memory [--rounds 10] [--clients 100] [--per-client 10] [--pause 0]
                                    [--configs ...] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import results
from bench.download_throughput import add_fillers, seed
from bench.loadgen import run_clients
from bench.memory import (
    FLAT_MIB_PER_1000,
    flat_verdict,
    memory_flat,
    rss_slope,
    slope_per_1000,
    tree_memory_mib,
    tree_pids,
)
from bench.registry import free_port
from bench.servers import login, make_run_command, registry_env, server, server_command
from tests.fakehub import FakeHub


@dataclass(frozen=True)
class Config:
    """One server set-up: which command, which memory variants (bench/memory_app.py), which environment."""

    command: str  # make-run | workers-1 | traced-1
    variant: str = ""
    env: tuple[tuple[str, str], ...] = ()


ARENA2 = (("MALLOC_ARENA_MAX", "2"),)
CONFIGS = {
    "make-run": Config("make-run"),
    "make-run-per-thread": Config("make-run", "per-thread"),
    "make-run-per-thread-small-cache": Config("make-run", "per-thread,small-cache"),
    "make-run-per-thread-arena2": Config("make-run", "per-thread", ARENA2),
    "make-run-per-thread-trim": Config("make-run", "per-thread,trim"),
    "make-run-arena2": Config("make-run", "", ARENA2),
    "make-run-trim": Config("make-run", "trim"),
    "bare": Config("make-run", "bare"),
    "workers-1": Config("workers-1"),
    "traced-1": Config("traced-1"),
}
DEFAULT_CONFIGS = ("make-run", "make-run-per-thread", "bare")
TOP_LINES = 12


def command_of(config: Config, port: int) -> list[str]:
    """The server command of one configuration."""
    if config.command == "make-run":
        words = make_run_command(port)
        if not config.variant:
            return words
        if "serve" in words:  # nginx in front of granian (serve.py): it takes the app to serve as an option
            return [*words, "--app", "bench.memory_app:app"]
        return [("bench.memory_app:app" if w == "main:app" else w) for w in words]
    if config.command == "workers-1":
        return server_command("workers", port, 1)
    base = [sys.executable, "-m", "granian", "--interface", "asgi", "bench.traced_app:app"]
    return [*base, "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]


def worker_pid(server_pid: int, timeout: float = 30.0) -> int:
    """The one worker process of a granian server (its child)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(server_pid)], capture_output=True, text=True
        )
        children = listed.stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("the granian worker did not start")


def snapshot(pid: int, folder: Path, number: int, timeout: float = 120.0) -> tracemalloc.Snapshot:
    """Ask the traced worker for its `number`th tracemalloc snapshot and load it."""
    os.kill(pid, signal.SIGUSR1)
    path = folder / f"snapshot-{number}.pickle"
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no tracemalloc snapshot from {pid}")
        time.sleep(0.1)
    return tracemalloc.Snapshot.load(str(path))


def traced_mib(snap: tracemalloc.Snapshot) -> float:
    """Python-level memory the snapshot holds, MiB."""
    return sum(stat.size for stat in snap.statistics("filename")) / 2**20


def growth(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot) -> list[dict[str, Any]]:
    """The source lines whose live allocations grew most from the first snapshot to the last."""
    diffs = [d for d in last.compare_to(first, "lineno") if d.size_diff > 0][:TOP_LINES]
    return [
        {
            "where": str(d.traceback[0]),
            "size_diff_kib": round(d.size_diff / 1024, 1),
            "count_diff": d.count_diff,
        }
        for d in diffs
    ]


def counts(pid: int, database: Path) -> tuple[int, int]:
    """Threads of a process tree, and its descriptors open on the SQLite file (one per connection)."""
    threads = connections = 0
    for current in tree_pids(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            fds = list(Path(f"/proc/{current}/fd").iterdir())
        except OSError:
            continue
        threads += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
        for fd in fds:
            try:
                connections += os.readlink(fd) == str(database)
            except OSError:
                continue
    return threads, connections


def largest_blob(data: Path) -> Path:
    """The biggest file under the registry's data folder (the mirrored bundle), for the bare configuration."""
    return max((p for p in data.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)


def record(figures: dict[str, Any], pid: int, database: Path) -> None:
    """Append the server's memory, threads and connections now to the figures' per-round lists."""
    memory = tree_memory_mib(pid)
    for name in ("rss", "anon", "file", "uss"):
        figures[f"{name}_mib"].append(memory[name])
    threads, connections = counts(pid, database)
    figures["threads"].append(threads)
    figures["sqlite_connections"].append(connections)


def summarise(name: str, figures: dict[str, Any], downloads: int) -> None:
    """Add the slopes and verdicts to one configuration's figures and print them."""
    rss, anon = figures["rss_mib"], figures["anon_mib"]
    anon_slope = slope_per_1000(anon, downloads)
    figures |= {
        "downloads_per_round": downloads,
        "anon_slope_mib_per_1000": round(anon_slope, 2),
        "rss_slope_mib_per_1000": round(slope_per_1000(rss, downloads), 2),
        "flat_threshold_mib_per_1000": FLAT_MIB_PER_1000,
        "memory_flat": anon_slope < FLAT_MIB_PER_1000,
        "verdict": flat_verdict(anon, downloads),
        "rss_slope_mib_per_round": round(rss_slope(rss), 2),
        "first_round_growth_mib": round(rss[1] - rss[0], 1),
    }
    connections = figures["sqlite_connections"]
    print(f"  {name:<15} SQLite connections {connections[1]} after round 1, {connections[-1]} at the end")
    for label, series, verdict in (
        ("anonymous", anon, figures["verdict"]),
        ("RSS", rss, flat_verdict(rss, downloads)),
    ):
        print(f"  {name:<15} {label} {series[0]:.0f} -> {series[1]:.0f} -> {series[-1]:.0f} MiB: {verdict}")


def traced_summary(name: str, figures: dict[str, Any], snaps: list[tracemalloc.Snapshot]) -> None:
    """Add the traced worker's Python heap per round and its growth by source line, and print them."""
    figures["traced_mib"] = [round(traced_mib(s), 2) for s in snaps]
    figures["traced_slope_mib_per_round"] = round(rss_slope(figures["traced_mib"]), 3)
    figures["traced_growth_first_to_last"] = growth(snaps[0], snaps[-1])
    heap = figures["traced_mib"]
    print(f"  {name:<15} Python heap {heap[0]:.1f} -> {heap[-1]:.1f} MiB, {memory_flat(heap)}")
    for line in figures["traced_growth_first_to_last"][:5]:
        print(f"      +{line['size_diff_kib']:8.1f} KiB {line['count_diff']:+6d} blocks  {line['where']}")
    print("      (this configuration's RSS also holds tracemalloc's own traces and snapshots)")


def measure(name: str, env: dict[str, str], path: str, options: argparse.Namespace) -> dict[str, Any]:
    """Start one configuration, load it round after round, and read its memory after each round."""
    config = CONFIGS[name]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = Path(env["REGISTRY_DATA_DIR"])
    own = env | dict(config.env) | {"BENCH_MEMORY_VARIANT": config.variant}
    if "bare" in config.variant:
        own["BENCH_BARE_FILE"] = str(largest_blob(data))
    lists = ("rss_mib", "anon_mib", "file_mib", "uss_mib", "threads", "sqlite_connections", "load_average")
    figures: dict[str, Any] = {key: [] for key in (*lists, "throughput_mb_s")} | {"errors": 0}
    with tempfile.TemporaryDirectory(prefix="bench-tracemalloc-") as traces:
        own["BENCH_TRACEMALLOC_DIR"] = traces
        with server(command_of(config, port), own, url) as proc:
            headers = {} if "bare" in config.variant else login(url)
            traced = worker_pid(proc.pid) if config.command == "traced-1" else None
            snaps: list[tracemalloc.Snapshot] = []
            httpx.get(url + path, headers=headers, timeout=300).raise_for_status()  # warm-up
            record(figures, proc.pid, data / "registry.sqlite3")
            for number in range(1, options.rounds + 1):
                time.sleep(options.pause if number > 1 else 0)
                figures["load_average"].append(round(os.getloadavg()[0], 2))
                result = run_clients(
                    url + path, clients=options.clients, rounds=options.per_client, headers=headers
                )
                record(figures, proc.pid, data / "registry.sqlite3")
                figures["throughput_mb_s"].append(round(result.throughput_mb_s, 1))
                figures["errors"] += sum(result.errors.values())
                if traced is not None:
                    snaps.append(snapshot(traced, Path(traces), number))
                print(
                    f"  {name:<15} round {number:>2}: RSS {figures['rss_mib'][-1]:6.1f} anon "
                    f"{figures['anon_mib'][-1]:6.1f} file {figures['file_mib'][-1]:5.1f} MiB  "
                    f"threads {figures['threads'][-1]:3d} sqlite {figures['sqlite_connections'][-1]:3d}  "
                    f"{result.throughput_mb_s:7.1f} MB/s  load {figures['load_average'][-1]:.2f}",
                    flush=True,
                )
    summarise(name, figures, options.clients * options.per_client)
    if snaps:
        traced_summary(name, figures, snaps)
    return figures


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options (--smoke: tiny sizes, three configurations, seconds in all)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10, help="rounds after the warm-up download")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--per-client", type=int, default=10, help="downloads per client per round")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="idle seconds between rounds (over 10, anyio retires its idle threads: bursty traffic)",
    )
    parser.add_argument("--models", type=int, default=20, help="models in the registry (the 20 MiB one too)")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(DEFAULT_CONFIGS))
    parser.add_argument("--smoke", action="store_true")
    options = parser.parse_args(argv)
    if options.smoke:
        options.rounds, options.clients, options.per_client, options.models = 3, 2, 1, 2
        options.configs = ["make-run-per-thread", "bare", "traced-1"]
    return options


def main(argv: list[str] | None = None) -> None:
    """Seed a registry, measure each configuration's memory round by round, print and write the figures."""
    options = parse(argv)
    hub = FakeHub()
    hub.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            env = registry_env(hub, Path(tmp) / "data")
            port = free_port()
            with server(server_command("uvicorn", port, 1), env, f"http://127.0.0.1:{port}"):
                fillers = add_fillers(hub, max(0, options.models - 1))
                big, _, seeded = seed(f"http://127.0.0.1:{port}", fillers)
            downloads = options.clients * options.per_client
            print(f"registered {options.models} models in {seeded:.1f} s; {downloads} downloads a round:")
            path = f"/download/model/{big}"
            configs = {name: measure(name, env, path, options) for name in options.configs}
    finally:
        hub.stop()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    results.write("download_memory", {"configs": configs}, options=vars(options))


if __name__ == "__main__":
    main()
