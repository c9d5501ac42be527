"""Does recording request activity slow requests down? Requests/s and CPU per request with and without it.

Three apps over one embedded storage, driven in-process through ASGI (no network noise, so the middleware's
own cost is as visible as it can be), in interleaved rounds:
- without: the same domains with the health observer removed (the core request log only);
- with: the health domain's recorder and Prometheus metrics, batched writes (the default);
- unbatched: the same, but writing the activity to storage after every request (what batching avoids).
Two routes: `GET /tracks` (nearly free: the worst case for relative overhead) and
`GET /artifact/byName/{name}` (a token check and a storage read: a typical request). Then the recorder's
per-request cost, alone. CPU time per request (all threads of the process, the background flusher included) is
reported beside requests/s because it is what the recorder adds and, unlike wall time, it hardly moves when
other processes share the machine.

    python -m bench.health_activity [--requests 500] [--rounds 12] [--concurrency 16] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI

from bench import registry, results

ROUTES = {"GET /tracks": "/tracks", "GET /artifact/byName/{name}": "/artifact/byName/no-such-artifact"}


def _environment(data_dir: str) -> None:
    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        del os.environ[name]
    os.environ |= {
        "REGISTRY_DATA_DIR": data_dir,
        "HF_ENDPOINT": "http://127.0.0.1:9",  # probes fail fast; nothing here talks to an upstream
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "REGISTRY_HEALTH_PROBE_INTERVAL_SECONDS": "3600",
        "REGISTRY_TOKEN_MAX_USES": "100000000",  # one token for the whole run
        "REGISTRY_RATE_LIMIT_PER_MINUTE": "0",  # tens of thousands of requests from one client
    }


def _apps() -> dict[str, FastAPI]:
    from main import create_app
    from package.core.request_log import add_request_observer

    without = create_app(["auth", "artifacts", "health"])
    without.state.request_observers.clear()  # same routes, no activity recording, no metrics
    with_recording = create_app(["auth", "artifacts", "health"])
    unbatched = create_app(["auth", "artifacts", "health"])
    recorder = unbatched.state.health.recorder
    add_request_observer(unbatched, lambda _: recorder.flush())
    # Keep the per-request JSON log line (same cost in every variant) but send it nowhere.
    for handler in logging.getLogger("registry").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    return {"without": without, "with": with_recording, "unbatched": unbatched}


Sample = tuple[float, float]  # (requests/s, CPU microseconds per request)
Samples = dict[tuple[str, str], list[Sample]]


async def _measure(client: httpx.AsyncClient, path: str, requests: int, concurrency: int) -> Sample:
    """Requests/s and CPU microseconds per request for `requests` GETs, `concurrency` at a time."""
    expected = 200 if path == "/tracks" else 404
    queue = iter(range(requests))

    async def worker() -> None:
        for _ in queue:
            response = await client.get(path)
            assert response.status_code == expected, response.text

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return requests / wall, (time.process_time() - cpu) / requests * 1e6


async def _run(requests: int, rounds: int, concurrency: int) -> Samples:
    apps = _apps()
    samples: Samples = {}
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            await stack.enter_async_context(client)
            token = (await client.put("/authenticate", json=registry.ADMIN)).json()
            client.headers["X-Authorization"] = token
            clients[name] = client
        for path in ROUTES.values():  # warm-up: imports, connections, caches
            for client in clients.values():
                await _measure(client, path, min(200, requests), concurrency)
        names = list(clients)
        for round_number in range(rounds):
            # Rotate the order each round so no variant always runs first (or last) after a pause.
            order = names[round_number % len(names) :] + names[: round_number % len(names)]
            for route, path in ROUTES.items():
                for name in order:
                    sample = await _measure(clients[name], path, requests, concurrency)
                    samples.setdefault((route, name), []).append(sample)
    return samples


def _paired(samples: Samples, route: str, name: str, index: int) -> float:
    """Median per-round change (%) of a variant against `without` measured in the same round."""
    pairs = zip(samples[(route, name)], samples[(route, "without")], strict=True)
    return statistics.median(100 * (mine[index] - base[index]) / base[index] for mine, base in pairs)


def _observe_cost(samples: int = 200_000) -> tuple[float, float]:
    """Microseconds per `observe` (recorder + metrics) and milliseconds per flush of one busy minute."""
    from package.core.config import get_settings
    from package.core.request_log import RequestRecord
    from package.core.storage import get_storage
    from package.routers.health.runtime import build_runtime

    runtime = build_runtime(get_settings())
    records = [
        RequestRecord(
            request_id="r",
            method="GET",
            route=f"/route/{i % 20}",
            path="/x",
            status=200 if i % 50 else 500,
            duration_ms=3.0 + i % 40,
            started_at=0.0,
            domain="artifacts",
            user=None,
            artifact_id=None,
            artifact_type="model",
            client=f"10.0.0.{i % 200}",
            credential_digest=None,
            response_bytes=512,
        )
        for i in range(1000)
    ]
    observe: Callable[[Any], None] = runtime.observe
    started = time.perf_counter()
    for i in range(samples):
        observe(records[i % 1000])
    per_call_us = (time.perf_counter() - started) / samples * 1e6
    assert runtime.recorder is not None
    started = time.perf_counter()
    runtime.recorder.flush()
    flush_ms = (time.perf_counter() - started) * 1000
    runtime.stop()
    get_storage.cache_clear()
    return per_call_us, flush_ms


def main() -> None:
    """Run the comparison, print its figures and write them to bench/results/health_activity.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=12, help="interleaved rounds per variant")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="20 requests, 1 round, 4 concurrent")
    args = parser.parse_args()
    if args.smoke:
        args.requests, args.rounds, args.concurrency = 20, 1, 4
    with tempfile.TemporaryDirectory() as tmp:
        _environment(tmp)
        samples = asyncio.run(_run(args.requests, args.rounds, args.concurrency))
        per_call_us, flush_ms = _observe_cost(2_000 if args.smoke else 200_000)
    print(
        f"in-process ASGI, {args.requests} requests x {args.rounds} interleaved rounds, {args.concurrency} "
        "concurrent; medians, and the median change against `without` paired per round"
    )
    labels = {
        "without": "without recording",
        "with": "with recording (batched)",
        "unbatched": "write per request (unbatched)",
    }
    figures: dict[str, Any] = {}
    for route in ROUTES:
        print(f"  {route}")
        for name, label in labels.items():
            rate = statistics.median(s[0] for s in samples[(route, name)])
            cpu = statistics.median(s[1] for s in samples[(route, name)])
            row = figures.setdefault(route, {})[name] = {"requests_per_s": rate, "cpu_us_per_request": cpu}
            line = f"    {label:<32} {rate:6.0f} req/s {cpu:7.0f} us CPU/request"
            if name != "without":
                row["requests_per_s_change_pct"] = _paired(samples, route, name, 0)
                row["cpu_change_pct"] = _paired(samples, route, name, 1)
                line += f"   req/s {row['requests_per_s_change_pct']:+5.1f} %"
                line += f"   CPU {row['cpu_change_pct']:+5.1f} %"
            print(line)
    print(
        f"recorder + metrics per request: {per_call_us:.1f} us; one flush of a busy minute: {flush_ms:.1f} ms"
    )
    figures |= {"observe_us": per_call_us, "flush_ms": flush_ms}
    options = {"requests": args.requests, "rounds": args.rounds, "concurrency": args.concurrency}
    results.write("health_activity", figures, options=options)


if __name__ == "__main__":
    main()
