"""Soak: mixed traffic against a real registry process for a few minutes; errors, latency and memory.

Starts the fake hub and one registry server (uvicorn, embedded storage in a temp folder), then runs
`--workers` clients doing a mix of reads, searches, ratings, downloads, logins, registrations and deletes
for `--seconds`. Prints the request count, any server errors (5xx or dropped connections), latency
percentiles, and the server's resident memory after the warm-up and at the end (flat = no leak).

    python -m bench.soak --seconds 180 --workers 8 [--smoke]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench import registry, results
from tests.fakehub import FakeHub


def _start(hub: FakeHub, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A registry server without the per-client rate limit: one client address sends everything here."""
    return registry.start_server(
        hub, data_dir, {"REGISTRY_MIRROR": "eager", "REGISTRY_RATE_LIMIT_PER_MINUTE": "0"}
    )


class Soak:
    """Shared state of the workers: known artifact ids, outcomes, latencies."""

    def __init__(self, url: str, hub: FakeHub) -> None:
        self.url = url
        self.hub = hub
        self.lock = threading.Lock()
        self.ids: list[str] = []
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.serial = itertools.count()

    def step(self, http: httpx.Client, rng: random.Random) -> tuple[str, httpx.Response]:
        """One request of the mix."""
        with self.lock:
            known = list(self.ids)
        pick = rng.random()
        if pick < 0.05 or not known:
            n = next(self.serial)
            self.hub.add_model(f"soak/model-{n}", files={"w.bin": (4096, n)})
            response = http.post("/artifact/model", json={"url": f"https://huggingface.co/soak/model-{n}"})
            if response.status_code == 201:
                with self.lock:
                    self.ids.append(response.json()["metadata"]["id"])
            return "register", response
        artifact_id = rng.choice(known)
        if pick < 0.07:
            response = http.delete(f"/artifacts/model/{artifact_id}")
            if response.status_code == 200:
                with self.lock, contextlib.suppress(ValueError):  # another worker removed it first
                    self.ids.remove(artifact_id)
            return "delete", response
        choices: list[tuple[str, Callable[[], httpx.Response]]] = [
            ("health", lambda: http.get("/health")),
            ("list", lambda: http.post("/artifacts", json=[{"name": "*"}])),
            ("read", lambda: http.get(f"/artifacts/model/{artifact_id}")),
            ("regex", lambda: http.post("/artifact/byRegEx", json={"regex": "model-1.*"})),
            ("rate", lambda: http.get(f"/artifact/model/{artifact_id}/rate")),
            ("download", lambda: http.get(f"/download/model/{artifact_id}/w.bin")),
            ("audit", lambda: http.get(f"/artifact/model/{artifact_id}/audit")),
            ("components", lambda: http.get("/health/components")),
        ]
        name, call = rng.choice(choices)
        return name, call()

    def worker(self, seed: int, until: float) -> None:
        """Send requests until the deadline, logging in again every few hundred calls."""
        rng = random.Random(seed)
        with httpx.Client(base_url=self.url, timeout=60) as http:
            http.headers["X-Authorization"] = registry.admin_token(http)
            calls = 0
            while time.monotonic() < until:
                calls += 1
                if calls % 400 == 0:  # a token lives 1,000 calls
                    http.headers["X-Authorization"] = registry.admin_token(http)
                started = time.perf_counter()
                try:
                    name, response = self.step(http, rng)
                    outcome = f"{name} {response.status_code}"
                except httpx.HTTPError as exc:
                    outcome = f"connection error {type(exc).__name__}"
                with self.lock:
                    self.statuses[outcome] += 1
                    self.latencies.append(time.perf_counter() - started)


def main() -> None:
    """Run the soak, print its figures and write them to bench/results/soak.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help="4 seconds, 2 workers")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.workers = 4.0, 2
    interval = min(5.0, args.seconds / 4)
    with FakeHub() as hub, tempfile.TemporaryDirectory() as folder:
        proc, url = _start(hub, Path(folder))
        try:
            soak = Soak(url, hub)
            until = time.monotonic() + args.seconds
            samples: list[tuple[float, float]] = []
            started = time.monotonic()
            with ThreadPoolExecutor(args.workers) as pool:
                for seed in range(args.workers):
                    pool.submit(soak.worker, seed, until)
                while time.monotonic() < until:
                    samples.append((time.monotonic() - started, registry.rss_mib(proc.pid)))
                    time.sleep(interval)
            samples.append((time.monotonic() - started, registry.rss_mib(proc.pid)))
        finally:
            proc.terminate()
            proc.wait(10)
    figures = _report(soak, samples, args)
    results.write("soak", figures, options={"seconds": args.seconds, "workers": args.workers})


def _report(soak: Soak, samples: list[tuple[float, float]], args: argparse.Namespace) -> dict[str, Any]:
    """Print the figures; return them (with every percentile of latency, for the distribution plot)."""
    total = sum(soak.statuses.values())
    errors = {k: v for k, v in soak.statuses.items() if k.startswith("connection") or k.split()[-1][0] == "5"}
    ordered = sorted(soak.latencies)
    warm = [rss for at, rss in samples if at >= args.seconds * 0.2]
    print(
        f"soak: {args.seconds:g} s, {args.workers} workers, {total} requests ({total / args.seconds:.0f}/s)"
    )
    print(f"server errors (5xx or dropped connections): {sum(errors.values())} {errors or ''}")
    p95, p99 = ordered[int(len(ordered) * 0.95)], ordered[int(len(ordered) * 0.99)]
    print(
        f"latency p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms"
    )
    print(
        f"server RSS: start {samples[0][1]:.0f} MiB, after warm-up {warm[0]:.0f} MiB, "
        f"end {warm[-1]:.0f} MiB, max {max(rss for _, rss in samples):.0f} MiB"
    )
    print("outcomes:", dict(sorted(soak.statuses.items())))
    return {
        "requests": total,
        "requests_per_s": total / args.seconds,
        "errors": sum(errors.values()),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "p99_ms": p99 * 1000,
        "latency_percentiles_ms": [
            ordered[min(len(ordered) - 1, len(ordered) * q // 100)] * 1000 for q in range(101)
        ],
        "rss_mib": {
            "start": samples[0][1],
            "warm": warm[0],
            "end": warm[-1],
            "max": max(r for _, r in samples),
        },
        "outcomes": dict(sorted(soak.statuses.items())),
    }


if __name__ == "__main__":
    main()
