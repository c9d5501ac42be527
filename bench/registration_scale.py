"""Registration rate as the registry grows, background work included, and /rate cached vs uncached.

A fake Hugging Face + GitHub (tests/fakehub) serves `--count` synthetic models (tests/fakehub/synthetic.py:
cards, configs, `base_model` links to earlier models, datasets, GitHub links; deterministic). They are
registered through the API of an in-process registry (embedded storage, REGISTRY_MIRROR=eager,
REGISTRY_RATE_ON_INGEST=true) by `--clients` concurrent clients, in blocks of `--block`; after each block the
benchmark waits for the background mirror and rating work to finish, so a block's time is its whole cost.

Figures:
  blocks          registrations per second of each block (background work included), by registry size
  probe_early     `--probe` registrations one at a time around the 30th: the POST's wall time and the
                  background work it caused (POST answered -> mirror and rating idle)
  probe_late      the same around the `--count`th; `late_vs_early` is their ratio (target <= 1.5)
  hooks_ms        per probe, the median time each domain's synchronous registration hook took (where the
                  POST's time goes)
  rate_cached     GET /rate of stored ratings: p50 / p99 (target p99 <= 10 ms)
  rate_uncached   GET /rate after the stored rating is dropped: wall p50 / p99, against the slowest metric's
                  latency in the same answer (target wall <= 1.5x the slowest metric); `rating_wall_...` is
                  the rating's own wall time (net_score_latency) against it, without the HTTP request

    python -m bench.registration_scale --count 3000 [--clients 8] [--block 100] [--smoke]
"""

from __future__ import annotations

import argparse
import functools
import logging
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from bench import registry, results
from tests.fakehub import FakeHub
from tests.fakehub.synthetic import SyntheticRegistry, add_synthetic_registry

HF = "https://huggingface.co/"
METRICS = (
    "ramp_up_time", "bus_factor", "performance_claims", "license", "dataset_and_code_score",
    "dataset_quality", "code_quality", "reproducibility", "reviewedness", "tree_score", "size_score",
)  # fmt: skip


def _registry(hub: FakeHub) -> TestClient:
    settings = {
        "REGISTRY_DATA_DIR": tempfile.mkdtemp(prefix="registration-scale-"),
        "REGISTRY_MIRROR": "eager",
        "REGISTRY_RATE_ON_INGEST": "true",
        "REGISTRY_TOKEN_MAX_USES": "1000000",
    }
    return registry.in_process(hub, registry.CHEAP_HASHING | settings)


def _time_hooks() -> dict[str, float]:
    """Wrap every registered event hook and ingest gate with a timer; seconds spent so far, by hook."""
    from package.core import events

    spent: dict[str, float] = defaultdict(float)

    def wrap(hook: Callable[..., None]) -> Callable[..., None]:
        name = f"{hook.__module__.split('.')[-2]}.{hook.__name__}"

        @functools.wraps(hook)
        def timed(*args: Any) -> None:
            started = time.perf_counter()
            try:
                hook(*args)
            finally:
                spent[name] += time.perf_counter() - started

        return timed

    for attribute in ("_artifact_hooks", "_change_hooks", "_ingest_gates", "_change_gates"):
        hooks = getattr(events, attribute, None)
        if hooks is not None:
            hooks[:] = [wrap(hook) for hook in hooks]
    return spent


def _settle(timeout: float = 600.0) -> None:
    """Wait until the background mirror and rating work is done."""
    from package.routers.artifacts.mirror import get_mirror_queue
    from package.routers.rating import services as rating_services

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mirrored = get_mirror_queue().wait_idle(timeout=max(0.1, deadline - time.monotonic()))
        rated = rating_services.wait_background(max(0.1, deadline - time.monotonic()))
        if mirrored and rated and get_mirror_queue().pending() == 0:
            return
    raise RuntimeError("background work did not settle")


def _register(client: TestClient, repo: str) -> str:
    response = client.post("/artifact/model", json={"url": HF + repo})
    if response.status_code != 201:
        raise RuntimeError(f"registering {repo}: {response.status_code} {response.text[:300]}")
    return str(response.json()["metadata"]["id"])


def _block(client: TestClient, repos: list[str], clients: int, ids: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        ids += pool.map(lambda repo: _register(client, repo), repos)
    posted = time.perf_counter()
    _settle()
    done = time.perf_counter()
    return {
        "registered_before": len(ids) - len(repos),
        "count": len(repos),
        "post_seconds": round(posted - started, 4),
        "seconds": round(done - started, 4),
        "per_second": round(len(repos) / (done - started), 3),
    }


def _probe(client: TestClient, repos: list[str], ids: list[str], hooks: dict[str, float]) -> dict[str, Any]:
    """Register one at a time, each settled before the next: the POST's time and its background work."""
    posts, backgrounds = [], []
    per_hook: dict[str, list[float]] = defaultdict(list)
    for repo in repos:
        before = dict(hooks)
        started = time.perf_counter()
        ids.append(_register(client, repo))
        answered = time.perf_counter()
        for name in list(hooks):  # background hooks may run later: count what ran during the POST
            per_hook[name].append(hooks[name] - before.get(name, 0.0))
        _settle()
        posts.append(answered - started)
        backgrounds.append(time.perf_counter() - answered)
    totals = [p + b for p, b in zip(posts, backgrounds, strict=True)]
    return {
        "registered_before": len(ids) - len(repos),
        "post_ms_median": round(statistics.median(posts) * 1000, 2),
        "background_ms_median": round(statistics.median(backgrounds) * 1000, 2),
        "total_ms_median": round(statistics.median(totals) * 1000, 2),
        "hooks_ms": {name: round(statistics.median(v) * 1000, 2) for name, v in sorted(per_hook.items())},
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _rate_cached(client: TestClient, ids: list[str], samples: int) -> dict[str, Any]:
    chosen = random.Random(7).sample(ids, k=min(samples, len(ids)))
    latencies = []
    for artifact_id in chosen:
        started = time.perf_counter()
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"/rate {artifact_id}: {response.status_code} {response.text[:300]}")
    return {
        "samples": len(chosen),
        "p50_ms": round(_percentile(latencies, 0.5) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
    }


def _rate_uncached(client: TestClient, ids: list[str], samples: int) -> dict[str, Any]:
    """Drop a stored rating (through the rating domain's storage module), then ask for it."""
    from package.core.storage import get_storage
    from package.routers.rating import database as rating_database

    chosen = random.Random(11).sample(ids, k=min(samples, len(ids)))
    walls, slowest, ratios, inner = [], [], [], []
    for artifact_id in chosen:
        rating_database.delete_report(get_storage(), artifact_id)
        started = time.perf_counter()
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        wall = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"/rate {artifact_id}: {response.status_code} {response.text[:300]}")
        body = response.json()
        worst = max(float(body[f"{m}_latency"]) for m in METRICS)
        walls.append(wall)
        slowest.append(worst)
        ratios.append(wall / worst if worst > 0 else float("inf"))
        inner.append(float(body["net_score_latency"]) / worst if worst > 0 else float("inf"))
    return {
        "samples": len(chosen),
        "wall_p50_ms": round(_percentile(walls, 0.5) * 1000, 3),
        "wall_p99_ms": round(_percentile(walls, 0.99) * 1000, 3),
        "slowest_metric_p50_ms": round(_percentile(slowest, 0.5) * 1000, 3),
        "slowest_metric_p99_ms": round(_percentile(slowest, 0.99) * 1000, 3),
        "wall_over_slowest_p50": round(_percentile(ratios, 0.5), 2),
        "wall_over_slowest_p99": round(_percentile(ratios, 0.99), 2),
        "rating_wall_over_slowest_p50": round(_percentile(inner, 0.5), 2),
        "rating_wall_over_slowest_p99": round(_percentile(inner, 0.99), 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Register the synthetic models, probing early and late, then measure /rate."""
    with FakeHub() as hub:
        synthetic: SyntheticRegistry = add_synthetic_registry(hub, args.count)
        client = _registry(hub)
        hooks = _time_hooks()
        try:
            for repo in synthetic.datasets:
                assert (
                    client.post("/artifact/dataset", json={"url": HF + "datasets/" + repo}).status_code == 201
                )
            for repo in synthetic.code:
                assert (
                    client.post("/artifact/code", json={"url": "https://github.com/" + repo}).status_code
                    == 201
                )
            models = list(synthetic.models)
            early_at = min(25, max(0, len(models) // 4))
            late_at = len(models) - args.probe
            ids: list[str] = []
            blocks = [_block(client, models[:early_at], args.clients, ids)] if early_at else []
            early = _probe(client, models[early_at : early_at + args.probe], ids, hooks)
            position = early_at + args.probe
            while position < late_at:
                chunk = models[position : min(late_at, position + args.block)]
                blocks.append(_block(client, chunk, args.clients, ids))
                position += len(chunk)
                print(f"  {len(ids):>6} registered  {blocks[-1]['per_second']:7.2f}/s", flush=True)
            late = _probe(client, models[late_at:], ids, hooks)
            figures: dict[str, Any] = {
                "models": len(ids),
                "blocks": blocks,
                "probe_early": early,
                "probe_late": late,
                "late_vs_early_total": round(late["total_ms_median"] / early["total_ms_median"], 3),
                "late_vs_early_post": round(late["post_ms_median"] / early["post_ms_median"], 3),
                "rate_cached": _rate_cached(client, ids, args.rate_samples),
                "rate_uncached": _rate_uncached(client, ids, args.uncached_samples),
            }
        finally:
            client.__exit__(None, None, None)
    return figures


def _print(figures: dict[str, Any]) -> None:
    early, late = figures["probe_early"], figures["probe_late"]
    print(f"registered {figures['models']} models")
    for label, probe in (("early", early), ("late", late)):
        print(
            f"probe {label:<5} at {probe['registered_before']:>6}: POST {probe['post_ms_median']:8.1f} ms  "
            f"background {probe['background_ms_median']:8.1f} ms  total {probe['total_ms_median']:8.1f} ms"
        )
        print("    hooks (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in probe["hooks_ms"].items()))
    print(
        f"late / early (total): {figures['late_vs_early_total']:.2f}x  "
        f"(POST: {figures['late_vs_early_post']:.2f}x)"
    )
    rates = [b["per_second"] for b in figures["blocks"]]
    if rates:
        print(f"blocks: first {rates[0]:.2f}/s, last {rates[-1]:.2f}/s")
    cached, uncached = figures["rate_cached"], figures["rate_uncached"]
    print(f"/rate cached: p50 {cached['p50_ms']:.2f} ms  p99 {cached['p99_ms']:.2f} ms")
    print(
        f"/rate uncached: wall p50 {uncached['wall_p50_ms']:.1f} ms p99 {uncached['wall_p99_ms']:.1f} ms; "
        f"slowest metric p50 {uncached['slowest_metric_p50_ms']:.1f} ms; wall/slowest p50 "
        f"{uncached['wall_over_slowest_p50']:.2f} p99 {uncached['wall_over_slowest_p99']:.2f}"
    )
    print(
        f"rating's own wall/slowest metric: p50 {uncached['rating_wall_over_slowest_p50']:.2f} "
        f"p99 {uncached['rating_wall_over_slowest_p99']:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print and write bench/results/registration_scale.json."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="synthetic models to register")
    parser.add_argument("--clients", type=int, default=8, help="concurrent registering clients")
    parser.add_argument("--block", type=int, default=100, help="registrations per measured block")
    parser.add_argument("--probe", type=int, default=10, help="one-at-a-time registrations per probe")
    parser.add_argument("--rate-samples", type=int, default=200, help="cached /rate calls")
    parser.add_argument("--uncached-samples", type=int, default=20, help="uncached /rate calls")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.block, args.probe, args.rate_samples, args.uncached_samples = 30, 10, 3, 10, 3
    args.count = max(args.count, 2 * args.probe + 1)
    logging.disable(logging.WARNING)  # synthetic weights are not real safetensors: the scanner says so
    figures = run(args)
    _print(figures)
    results.write("registration_scale", figures, options=vars(args))


if __name__ == "__main__":
    main()
