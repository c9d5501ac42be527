"""Does the download server's memory stay flat? Rounds of 20 MiB bundle downloads, resident memory after each.

The registry (a fake hub, `--models` models, the 20 MiB one mirrored; seeded as bench/download_throughput.py
does) is served by each configuration in turn, which then answers `--rounds` rounds of `--clients` clients
downloading the bundle `--per-client` times each. After the warm-up download and after every round: the
server's resident memory (all its processes) and the load average. Each configuration ends with
"memory flat: yes/no (slope MiB/round)", the least-squares slope over the later half of the rounds (the first
rounds warm caches and the allocator up; bench/memory.py).
  make-run         the Makefile's `make run` command (granian, one worker per core)
  make-run-arena2  the same with MALLOC_ARENA_MAX=2 (glibc keeps fewer per-thread malloc arenas)
  workers-1        granian with one worker
  traced-1         granian with one worker and tracemalloc on (bench/traced_app.py): Python's own allocations
                   after every round, and which source lines grew between the first round and the last

    python -m bench.download_memory [--rounds 10] [--clients 50] [--per-client 2] [--configs ...] [--smoke]
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
from pathlib import Path
from typing import Any

import httpx

from bench import results
from bench.download_throughput import (
    add_fillers,
    login,
    make_run_command,
    registry_env,
    seed,
    server,
    server_command,
)
from bench.loadgen import run_clients, tree_rss_mib
from bench.memory import FLAT_MIB_PER_ROUND, memory_flat, rss_slope
from bench.registry import free_port
from tests.fakehub import FakeHub

CONFIGS = ("make-run", "make-run-arena2", "workers-1", "traced-1")
TOP_LINES = 12


def command_of(config: str, port: int) -> list[str]:
    """The server command of one configuration."""
    if config.startswith("make-run"):
        return make_run_command(port)
    if config == "workers-1":
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


def measure(config: str, env: dict[str, str], path: str, options: argparse.Namespace) -> dict[str, Any]:
    """Start one configuration, load it round after round, and read its memory after each round."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    own = dict(env)
    if config == "make-run-arena2":
        own["MALLOC_ARENA_MAX"] = "2"
    figures: dict[str, Any] = {"rss_mib": [], "load_average": [], "throughput_mb_s": [], "errors": 0}
    with tempfile.TemporaryDirectory(prefix="bench-tracemalloc-") as traces:
        own["BENCH_TRACEMALLOC_DIR"] = traces
        with server(command_of(config, port), own, url) as proc:
            headers = login(url)
            traced = worker_pid(proc.pid) if config == "traced-1" else None
            snaps: list[tracemalloc.Snapshot] = []
            httpx.get(url + path, headers=headers, timeout=300).raise_for_status()  # warm-up
            figures["rss_mib"].append(round(tree_rss_mib(proc.pid), 1))
            for number in range(1, options.rounds + 1):
                figures["load_average"].append(round(os.getloadavg()[0], 2))
                result = run_clients(
                    url + path, clients=options.clients, rounds=options.per_client, headers=headers
                )
                figures["rss_mib"].append(round(tree_rss_mib(proc.pid), 1))
                figures["throughput_mb_s"].append(round(result.throughput_mb_s, 1))
                figures["errors"] += sum(result.errors.values())
                if traced is not None:
                    snaps.append(snapshot(traced, Path(traces), number))
                print(
                    f"  {config:<15} round {number:>2}: RSS {figures['rss_mib'][-1]:7.1f} MiB  "
                    f"{result.throughput_mb_s:7.1f} MB/s  load {figures['load_average'][-1]:.2f}",
                    flush=True,
                )
    rss = figures["rss_mib"]
    figures |= {
        "rss_slope_mib_per_round": round(rss_slope(rss), 2),
        "memory_flat": rss_slope(rss) <= FLAT_MIB_PER_ROUND,
        "first_round_growth_mib": round(rss[1] - rss[0], 1),
    }
    if snaps:
        figures["traced_mib"] = [round(traced_mib(s), 2) for s in snaps]
        figures["traced_slope_mib_per_round"] = round(rss_slope(figures["traced_mib"]), 3)
        figures["traced_growth_first_to_last"] = growth(snaps[0], snaps[-1])
        heap = figures["traced_mib"]
        print(f"  {config:<15} Python heap {heap[0]:.1f} -> {heap[-1]:.1f} MiB, {memory_flat(heap)}")
        for line in figures["traced_growth_first_to_last"][:5]:
            print(f"      +{line['size_diff_kib']:8.1f} KiB {line['count_diff']:+6d} blocks  {line['where']}")
        print("      (this configuration's RSS also holds tracemalloc's own traces and snapshots)")
    print(f"  {config:<15} RSS {rss[0]:.0f} -> {rss[-1]:.0f} MiB, {memory_flat(rss)}", flush=True)
    return figures


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options (--smoke: tiny sizes, two configurations, seconds in all)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=2, help="downloads per client per round")
    parser.add_argument("--models", type=int, default=20, help="models in the registry (the 20 MiB one too)")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--smoke", action="store_true")
    options = parser.parse_args(argv)
    if options.smoke:
        options.rounds, options.clients, options.per_client, options.models = 3, 2, 1, 2
        options.configs = ["workers-1", "traced-1"]
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
            configs = {config: measure(config, env, path, options) for config in options.configs}
    finally:
        hub.stop()
    results.write("download_memory", {"configs": configs}, options=vars(options))


if __name__ == "__main__":
    main()
