"""100 concurrent clients downloading the 20 MiB Tiny-LLM-like bundle, against nginx sending the same bytes.

A fake hub (tests/fakehub) holds `--models` models: the 20 MiB `acme/tiny-weights-20mb` and small fillers.
They are registered through the API of a registry on a temporary embedded storage (8 clients, background
mirror on), which copies the 20 MiB bundle into the blob store. Then `--clients` keep-alive connections
download it `--rounds` times each (bench/loadgen.py's client; `--client wrk`: wrk for `--seconds`) from:
  nginx      nginx (one worker per core, sendfile) serving the stored bundle file: the baseline
  make-run   the server exactly as `make run` starts it (the Makefile's command, on another port)
  uvicorn    one uvicorn process (what `make run` started before this benchmark)
  workers    `--workers` server processes (granian, one per core by default)
  workers-sync  the same, with REGISTRY_WRITE_BEHIND_MS=0: token use and audit entry written before answering
  split      the split deployment (tests/deploy/split.py): nginx gateway + X-Accel-Redirect + a process
             per domain
  make-run-bare  `make run`'s nginx and granian running bench/bare_xaccel.py: every request answered by an
             X-Accel-Redirect to the same blob and nothing else (no registry code): the ceiling of `make run`
  granian-bare  granian (`--workers`) running bench/bare_pathsend.py: pathsend of the same file and nothing
             else (no registry code): the ceiling of granian's own byte path
Every configuration runs side by side on the same storage, measured `--repeats` times in turn (so a change in
the machine's other load hits them all alike). For each, from its round of median throughput: mean, median,
p90, p99 and max latency, throughput (MB/s), errors; every round's throughput; the server's resident memory
(all its processes) after the warm-up and after each round; throughput as a share of nginx's.

    BENCH_SERVER_LOGS=DIR keeps each server's log in DIR/<port>.log (to explain errors)
    python -m bench.download_throughput [--clients 100] [--models 500] [--rounds 2] [--repeats 3] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import results
from bench.loadgen import LoadResult, run_clients, run_wrk, start_nginx, tree_cpu_seconds, tree_rss_mib
from bench.memory import FLAT_MIB_PER_ROUND, memory_flat, rss_slope
from bench.registry import free_port
from bench.servers import bare_command, login, make_run_command, registry_env, server, server_command
from tests.fakehub import FakeHub

BIG = "acme/tiny-weights-20mb"
CONFIGS = (
    "nginx",
    "make-run",
    "make-run-bare",
    "uvicorn",
    "workers",
    "workers-sync",
    "split",
    "granian-bare",
)


def add_fillers(hub: FakeHub, count: int) -> list[str]:
    """`count` small models on the fake hub (a card, a license and a 4 KiB weights file each)."""
    names = [f"bench-fill/model-{i:04d}" for i in range(count)]
    for i, name in enumerate(names):
        body = f"# {name}\n\nA small filler model for the download benchmark.\n"
        hub.add_model(name, card_body=body, license="mit", files={"model.safetensors": (4096, 1000 + i)})
    return names


def seed(url: str, fillers: list[str], clients: int = 8) -> tuple[str, str, float]:
    """Register the 20 MiB model and the fillers through the API: its id, bundle sha256, seconds taken."""
    headers = login(url)
    started = time.perf_counter()
    with httpx.Client(base_url=url, headers=headers, timeout=300) as http:

        def register(repo: str) -> str:
            response = http.post("/artifact/model", json={"url": f"https://huggingface.co/{repo}"})
            if response.status_code not in (201, 202):
                raise RuntimeError(f"registering {repo}: {response.status_code} {response.text}")
            return str(response.json()["metadata"]["id"])

        big = register(BIG)
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(register, fillers))
        sha = wait_mirrored(http, big)
    return big, sha, time.perf_counter() - started


def wait_mirrored(http: httpx.Client, artifact_id: str, timeout: float = 300) -> str:
    """Until the bundle answers from the blob store; its sha256 (the ETag)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with http.stream("GET", f"/download/model/{artifact_id}") as response:
            if response.status_code == 200 and response.headers.get("etag"):
                return response.headers["etag"].strip('"')
        time.sleep(0.5)
    raise TimeoutError("the 20 MiB bundle was never mirrored")


@dataclass
class Target:
    """One running configuration: where to download from, with what headers, and whose memory to watch."""

    label: str
    url: str
    pid: int
    headers: dict[str, str] = field(default_factory=dict)
    rounds: list[LoadResult] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    # CPU milliseconds per whole download in each round: the server's processes, and the load client's.
    server_cpu_ms: list[float] = field(default_factory=list)
    client_cpu_ms: list[float] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)


def load(target: Target, options: argparse.Namespace, work: Path) -> LoadResult:
    """One round of load on a target (wrk for `seconds`, or every client downloading `rounds` times)."""
    if options.client == "wrk":
        return run_wrk(
            target.url, clients=options.clients, seconds=options.seconds, headers=target.headers, work=work
        )
    return run_clients(target.url, clients=options.clients, rounds=options.rounds, headers=target.headers)


def measure_all(targets: list[Target], options: argparse.Namespace, work: Path) -> None:
    """`repeats` rounds over every target in turn, so a change in the machine's other load hits them all."""
    for target in targets:
        warm = httpx.get(target.url, headers=target.headers, timeout=300)
        if warm.status_code != 200:
            raise RuntimeError(f"{target.label}: warm-up answered {warm.status_code}: {warm.text[:300]}")
        target.rss.append(tree_rss_mib(target.pid))
    for repeat in range(options.repeats):
        for target in targets:
            target.notes.setdefault("load_average", []).append(round(os.getloadavg()[0], 2))
            server_cpu, client_cpu = tree_cpu_seconds(target.pid), _children_cpu_seconds()
            result = load(target, options, work)
            per_download = 1000 / max(1, result.requests)
            target.server_cpu_ms.append((tree_cpu_seconds(target.pid) - server_cpu) * per_download)
            target.client_cpu_ms.append((_children_cpu_seconds() - client_cpu) * per_download)
            target.rounds.append(result)
            target.rss.append(tree_rss_mib(target.pid))
            errors = sum(result.errors.values())
            print(
                f"  [{repeat + 1}] {target.label:<9} {result.throughput_mb_s:8.1f} MB/s  "
                f"mean {result.mean_ms:7.1f} ms  median {result.median_ms:7.1f}  p99 {result.p99_ms:7.1f}  "
                f"errors {errors}"
            )


def _children_cpu_seconds() -> float:
    """CPU time of this process's finished children (the load client's processes, once a round ends)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def summary(target: Target) -> dict[str, Any]:
    """A target's figures: the round of median throughput, every round's throughput, errors, memory."""
    ordered = sorted(target.rounds, key=lambda r: r.throughput_mb_s)
    middle = ordered[len(ordered) // 2]
    figures = middle.figures() | {
        "throughput_rounds_mb_s": [round(r.throughput_mb_s, 1) for r in target.rounds],
        "errors_all_rounds": sum(sum(r.errors.values()) for r in target.rounds),
        "rss_mib": [round(x, 1) for x in target.rss],
        "rss_growth_mib": round(target.rss[-1] - target.rss[0], 1),
        "rss_slope_mib_per_round": round(rss_slope(target.rss), 2),
        "memory_flat": rss_slope(target.rss) <= FLAT_MIB_PER_ROUND,
        "p99_over_median": round(middle.p99_ms / middle.median_ms, 2) if middle.median_ms else None,
        # Load-independent: what one download costs the server (all its processes) and the client, median
        # over rounds; on a CPU-bound machine the idle throughput follows the sum.
        "server_cpu_ms_per_download": round(statistics.median(target.server_cpu_ms), 2),
        "client_cpu_ms_per_download": round(statistics.median(target.client_cpu_ms), 2),
    }
    return figures | target.notes


def start_targets(
    options: argparse.Namespace, env: dict[str, str], big: str, blob: Path, work: Path, stack: ExitStack
) -> list[Target]:
    """Every chosen configuration, started side by side on the same storage (stopped by `stack`)."""
    targets: list[Target] = []
    path = f"/download/model/{big}"
    for config in options.configs:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        if config == "nginx":
            proc = start_nginx(blob.parent.parent, port, work)
            stack.callback(_stop, proc)
            rel = blob.relative_to(blob.parent.parent).as_posix()
            targets.append(Target(config, f"{url}/files/{rel}", proc.pid))
        elif config == "split":
            targets.append(start_split(env, path, stack))
        elif config == "make-run-bare":
            command = [*make_run_command(port), "--app", "bench.bare_xaccel:app"]
            bare = env | {"BENCH_BARE_BLOB": blob.relative_to(blob.parent.parent).as_posix()}
            proc = stack.enter_context(server(command, bare, url))
            targets.append(Target(config, url + "/", proc.pid, notes={"command": shlex.join(command)}))
        elif config == "granian-bare":
            command = bare_command(port, options.workers)
            proc = stack.enter_context(server(command, env | {"BENCH_BARE_FILE": str(blob)}, url))
            targets.append(Target(config, url + "/", proc.pid, notes={"command": shlex.join(command)}))
        else:
            command = server_command(config, port, options.workers)
            # workers-sync: the same workers writing each token use and audit entry before the response.
            own = env | ({"REGISTRY_WRITE_BEHIND_MS": "0"} if config == "workers-sync" else {})
            proc = stack.enter_context(server(command, own, url))
            targets.append(
                Target(config, url + path, proc.pid, login(url), notes={"command": shlex.join(command)})
            )
    return targets


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def start_split(env: dict[str, str], path: str, stack: ExitStack) -> Target:
    """The split deployment (a process per domain behind the nginx gateway), as tests/deploy starts it."""
    from tests.deploy.split import Split

    data = Path(env["REGISTRY_DATA_DIR"])
    split = Split(data.parent, {})
    split.env = env | {"REGISTRY_PUBLIC_URL": split.url}
    stack.callback(split.stop)
    split.start()
    assert split.gateway is not None
    note = "memory and server CPU: the gateway's nginx processes (the domain processes answer headers only)"
    return Target("split", split.url + path, split.gateway.pid, login(split.url), notes={"rss_note": note})


def ratios(measured: dict[str, dict[str, Any]]) -> None:
    """Each configuration's throughput as a share of nginx's, measured in the same run."""
    base = measured.get("nginx", {}).get("throughput_mb_s")
    for label, figures in measured.items():
        if base:
            figures["vs_nginx"] = round(figures["throughput_mb_s"] / base, 3)
            server, client = figures["server_cpu_ms_per_download"], figures["client_cpu_ms_per_download"]
            print(
                f"  {label:<9} {figures['vs_nginx']:.3f}x nginx; "
                f"CPU per download: server {server} ms, client {client} ms"
            )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options (--smoke: tiny sizes and no split deployment, seconds in all)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument(
        "--models", type=int, default=500, help="models in the registry (the 20 MiB one included)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="downloads per client per measurement")
    parser.add_argument(
        "--repeats", type=int, default=3, help="measurements of every configuration, interleaved"
    )
    parser.add_argument("--client", choices=("python", "wrk"), default="python", help="load generator")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="with --client wrk: duration of a measurement"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes for `workers`")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--smoke", action="store_true")
    options = parser.parse_args(argv)
    if options.smoke:
        options.clients, options.models, options.seconds, options.rounds, options.repeats = 4, 3, 1.0, 1, 1
        options.configs = [c for c in options.configs if c != "split"]
    return options


def main(argv: list[str] | None = None) -> None:
    """Seed, measure every configuration, print and write the figures."""
    options = parse(argv)
    hub = FakeHub()
    hub.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-download-") as tmp:
            work, data = Path(tmp), Path(tmp) / "data"
            env = registry_env(hub, data)
            fillers = add_fillers(hub, max(0, options.models - 1))
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            with server(server_command("uvicorn", port, 1), env, url):
                big, sha, seeded = seed(url, fillers)
            blob = data / "blobs" / sha[:2] / sha
            size = blob.stat().st_size
            print(f"registered {options.models} models in {seeded:.1f} s; bundle {size} bytes")
            how = (
                f"{options.seconds:.0f} s" if options.client == "wrk" else f"{options.rounds} downloads each"
            )
            print(f"{options.clients} clients, {how}, {options.repeats} rounds over every configuration:")
            with ExitStack() as stack:
                targets = start_targets(options, env, big, blob, work, stack)
                measure_all(targets, options, work)
            measured = {target.label: summary(target) for target in targets}
            for target in targets:
                growth = f"RSS {target.rss[0]:.0f} -> {target.rss[-1]:.0f} MiB"
                print(f"  {target.label:<9} {growth}, {memory_flat(target.rss)}")
            ratios(measured)
    finally:
        hub.stop()
    figures: dict[str, Any] = {"configs": measured, "seed_seconds": round(seeded, 1), "bundle_bytes": size}
    results.write("download_throughput", figures, options=vars(options))


if __name__ == "__main__":
    main()
