"""Soak with locust (headless): mixed traffic against a registry of constant size; errors, latency, memory.

Starts the fake hub (a subprocess holding `--sources` small soak models) and one registry server
(uvicorn, embedded storage in a temp folder), registers half the sources, then runs `--users` locust
users for `--seconds`: reads, listings, name and regex searches, ratings, downloads, audit trails, health
reports, logins (each user logs in again every 300 calls, before its token's 1,000 uses run out), and
churn (delete one artifact, register a free source), so the registry's size stays about constant and
its memory can be judged: the server's RSS is sampled every few seconds and its slope after the warm-up
(first fifth of the run) is reported in MiB per minute (flat: close to 0).

    python -m bench.soak_locust --seconds 600 --users 16   # the long run
    python -m bench.soak_locust --smoke                     # a few seconds (what the test runs)

locust is imported only in the load phase: it monkey-patches the process for gevent, so the fake hub runs
in its own process (`--serve-hub`), not in a thread here.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import registry
from bench.results import write

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 2.0


def serve_hub(sources: int) -> None:
    """The fake hub with `sources` small soak models, until SIGTERM; prints its URLs as one JSON line."""
    from tests.fakehub import FakeHub

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    with FakeHub() as hub:
        for n in range(sources):
            config = json.dumps({"n": n})
            hub.add_model(f"soak/model-{n}", files={"w.bin": (16 * 1024, n), "config.json": config})
        print(json.dumps({"hf": hub.hf_url, "github": hub.github_url}), flush=True)
        stopping.wait()


def _start_hub(sources: int) -> tuple[subprocess.Popen[str], registry.HubAt]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.soak_locust", "--serve-hub", str(sources)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    urls = json.loads(proc.stdout.readline())
    return proc, registry.HubAt(hf_url=urls["hf"], github_url=urls["github"])


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per minute (0 with fewer than two)."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_m = sum(m for _, m in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread * 60


@dataclass
class Pool:
    """Which soak sources are registered (artifact id by source number) and which are free."""

    registered: dict[int, str] = field(default_factory=dict)
    free: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def any_id(self, rng: random.Random) -> str | None:
        """A registered artifact's id, if any."""
        with self.lock:
            return rng.choice(list(self.registered.values())) if self.registered else None


def _register(http: httpx.Client, pool: Pool, n: int) -> httpx.Response:
    response = http.post("/artifact/model", json={"url": f"https://huggingface.co/soak/model-{n}"})
    with pool.lock:
        if response.status_code == 201:
            pool.registered[n] = response.json()["metadata"]["id"]
        else:
            pool.free.append(n)
    return response


def _seed(url: str, sources: int) -> Pool:
    """Register half the sources (the registry's constant size)."""
    pool = Pool(free=list(range(sources)))
    with httpx.Client(base_url=url, timeout=60) as http:
        http.headers["X-Authorization"] = registry.admin_token(http)
        for _ in range(sources // 2):
            with pool.lock:
                n = pool.free.pop(0)
            _register(http, pool, n)
    return pool


def run_load(url: str, pool: Pool, args: argparse.Namespace, pid: int) -> dict[str, Any]:
    """Run the locust users for `args.seconds`; the figures of the run."""
    import gevent  # type: ignore[import-untyped]  # no stubs; locust's own dependency
    from locust.env import Environment

    from bench.soak_locust_user import Visitor

    Visitor.host, Visitor.pool, Visitor.sources = url, pool, args.sources
    Visitor.statuses = Counter()
    samples: list[tuple[float, float]] = []
    env = Environment(user_classes=[Visitor])
    runner = env.create_local_runner()
    started = time.monotonic()

    def sample() -> None:
        while True:
            samples.append((time.monotonic() - started, registry.rss_mib(pid)))
            gevent.sleep(SAMPLE_SECONDS)

    sampler = gevent.spawn(sample)
    runner.start(args.users, spawn_rate=args.users)
    gevent.sleep(args.seconds)
    runner.quit()
    sampler.kill()
    samples.append((time.monotonic() - started, registry.rss_mib(pid)))
    return _figures(env.stats.total, Visitor.statuses, samples, args)


def _figures(
    total: Any, statuses: Counter[str], samples: list[tuple[float, float]], args: argparse.Namespace
) -> dict[str, Any]:
    warm = [(t, m) for t, m in samples if t >= args.seconds * 0.2] or samples
    server_errors = {k: v for k, v in statuses.items() if k.split()[-1][0] in "50"}
    return {
        "requests": total.num_requests,
        "requests_per_second": round(total.num_requests / args.seconds, 1),
        "server_errors": sum(server_errors.values()),
        "server_errors_by_route": server_errors,
        "failures": total.num_failures,
        "latency_ms_p50": total.get_response_time_percentile(0.5),
        "latency_ms_p95": total.get_response_time_percentile(0.95),
        "latency_ms_p99": total.get_response_time_percentile(0.99),
        "rss_mib_start": round(samples[0][1], 1),
        "rss_mib_after_warmup": round(warm[0][1], 1),
        "rss_mib_end": round(samples[-1][1], 1),
        "rss_mib_max": round(max(m for _, m in samples), 1),
        "rss_slope_mib_per_minute": round(slope_per_minute(warm), 3),
        "rss_samples": len(samples),
        "outcomes": dict(sorted(statuses.items())),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the soak and print and write its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the load phase")
    parser.add_argument("--users", type=int, default=16, help="concurrent locust users")
    parser.add_argument("--sources", type=int, default=40, help="soak models on the hub (half registered)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds with a few users")
    parser.add_argument("--serve-hub", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_hub is not None:
        serve_hub(args.serve_hub)
        return
    if args.smoke:
        args.seconds, args.users, args.sources = 6.0, 4, 8
    hub, urls = _start_hub(args.sources)
    try:
        with tempfile.TemporaryDirectory() as folder:
            # One client address sends everything here: no per-client rate limit.
            proc, url = registry.start_server(urls, Path(folder), {"REGISTRY_RATE_LIMIT_PER_MINUTE": "0"})
            try:
                pool = _seed(url, args.sources)
                figures = run_load(url, pool, args, proc.pid)
            finally:
                proc.terminate()
                proc.wait(30)
    finally:
        hub.terminate()
        hub.wait(30)
    _print(figures, args)
    options = {"seconds": args.seconds, "users": args.users, "sources": args.sources, "smoke": args.smoke}
    write("soak_locust", figures, options=options)


def _print(figures: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"soak (locust): {args.seconds:g} s, {args.users} users, {figures['requests']} requests "
        f"({figures['requests_per_second']}/s), server errors {figures['server_errors']}"
    )
    print(
        f"latency p50 {figures['latency_ms_p50']} ms, p95 {figures['latency_ms_p95']} ms, "
        f"p99 {figures['latency_ms_p99']} ms"
    )
    print(
        f"server RSS: start {figures['rss_mib_start']} MiB, after warm-up {figures['rss_mib_after_warmup']} "
        f"MiB, end {figures['rss_mib_end']} MiB, max {figures['rss_mib_max']} MiB; slope after warm-up "
        f"{figures['rss_slope_mib_per_minute']} MiB/min"
    )


if __name__ == "__main__":
    main()
