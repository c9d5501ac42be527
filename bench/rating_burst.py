"""The graders' burst of concurrent /rate calls: uncached (baseline) vs cached, measured in the same run.

A fake Hugging Face + GitHub (tests/fakehub) answers with a GitHub latency of `--github-latency` seconds (a
distant API); 13 models (the fake hub's 11 models and 2 copies) and the code and datasets they link are
registered in a registry on a temporary embedded storage, driven in-process over ASGI. Phases, each run
`--rounds` times on a fresh registry:
  uncached   REGISTRY_RATE_ON_INGEST=false, nothing rated yet: 13 concurrent GET /rate compute 13 ratings
  cached     the same 13 calls again, answered from the stored ratings
  ingest     REGISTRY_RATE_ON_INGEST=true: the models are rated in the background as they are registered;
             after the pipeline is idle, the 13 concurrent calls
For each: the burst's wall time, per-call p50 / p95 / max, ratings computed during the burst and GitHub calls.
Also, from the uncached ratings: the sum of each rating's metric latencies against its wall time
(net_score_latency), which shows the metrics overlapping.
  single     REGISTRY_RATE_ON_INGEST=false: the 13 uncached GET /rate one at a time, then each model's
             rating dropped and computed again `--local-repeats` times (every input local by then); all
             calls, those that waited on an upstream and those that did not. Against the slowest metric in
             each answer: the service's wall time (the rating service behind the route; the issue's
             "uncached wall time", target <= 1.5x), the HTTP request's (plus routing, authentication, JSON
             and the in-process client's hand-offs; the same call cached is printed beside it), the
             rating's own (net_score_latency) and the metric latencies added (the floor of any ratio while
             the metrics are CPU work under one interpreter lock)
  audit      with --audit-blocks N (after the first ingest phase): cached GET /rate in N interleaved blocks,
             the RATE audit entry written at once (odd blocks) or batched (even blocks, the default path)

    python -m bench.rating_burst [--github-latency 0.05] [--rounds 3] [--local-repeats 4]
        [--audit-blocks 10 --audit-block-calls 300] [--smoke]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from bench import registry, results
from tests.fakehub import FakeHub

HF = "https://huggingface.co/"
MODELS = [
    "google-bert/bert-base-uncased", "microsoft/resnet-50", "crangana/trained-gender",
    "onnx-community/trained-gender-ONNX", "distilbert-base-uncased-distilled-squad", "openai/whisper-tiny",
    "parvk11/audience_classifier_model", "acme/tiny-weights-20mb", "vikhyatk/moondream2",
    "meta-llama/Llama-3.2-1B", "acme/no-readme-model",
    "benchcopy/whisper-tiny", "benchcopy/bert-base-uncased",
]  # fmt: skip
LINKED = [
    ("dataset", HF + "datasets/bookcorpus/bookcorpus"),
    ("dataset", HF + "datasets/rajpurkar/squad"),
    ("dataset", HF + "datasets/ILSVRC/imagenet-1k"),
    ("code", "https://github.com/openai/whisper"),
    ("code", "https://github.com/acme/gpl-tool"),
]
METRICS = (
    "ramp_up_time", "bus_factor", "performance_claims", "license", "dataset_and_code_score",
    "dataset_quality", "code_quality", "reproducibility", "reviewedness", "tree_score", "size_score",
)  # fmt: skip


def _copies(hub: FakeHub) -> None:
    """Two more models: the whisper and bert cards under another owner (so 13 models in all)."""
    for source, target in (
        ("openai/whisper-tiny", MODELS[-2]),
        ("google-bert/bert-base-uncased", MODELS[-1]),
    ):
        original = hub.hf_store.lookup("model", source)
        assert original is not None
        blob = original.files["README.md"].blob
        readme = blob.read(0, blob.size).decode()
        hub.add_model(target, readme=readme.replace(source, target), files={"model.safetensors": (8192, 3)})


def _registry(hub: FakeHub, *, rate_on_ingest: bool) -> TestClient:
    settings = {
        "REGISTRY_DATA_DIR": tempfile.mkdtemp(prefix="rating-bench-"),
        "REGISTRY_MIRROR": "off",
        "REGISTRY_RATE_ON_INGEST": str(rate_on_ingest).lower(),
        "REGISTRY_TOKEN_MAX_USES": "100000",
    }
    return registry.in_process(hub, registry.CHEAP_HASHING | settings)


def _register_all(client: TestClient, models: list[str]) -> list[str]:
    for kind, url in LINKED:
        assert client.post(f"/artifact/{kind}", json={"url": url}).status_code == 201
    ids = []
    for repo in models:
        response = client.post("/artifact/model", json={"url": HF + repo})
        assert response.status_code == 201, response.text
        ids.append(response.json()["metadata"]["id"])
    return ids


def _burst(client: TestClient, hub: FakeHub, ids: list[str]) -> dict[str, Any]:
    from package.routers.rating import services as rating_services

    computed = rating_services.pipeline_stats().completed
    hub.clear_requests()

    def one(artifact_id: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        assert response.status_code == 200, response.text
        return time.perf_counter() - started, response.json()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        results = list(pool.map(one, ids))
    wall = time.perf_counter() - started
    latencies = sorted(seconds for seconds, _ in results)
    return {
        "wall": wall,
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "max": latencies[-1],
        "computed": rating_services.pipeline_stats().completed - computed,
        "github_calls": sum(1 for service, _, _ in hub.requests if service == "github"),
        "ratings": [body for _, body in results],
    }


@contextmanager
def _service_times() -> Iterator[list[tuple[float, float]]]:
    """Wall and CPU seconds of each call of the rating service behind GET /rate (the route calls it through
    its module: routing, authentication and JSON are left out). CPU is this process's, all threads: the
    metrics' wherever they run; the machine's other load barely moves it, unlike the wall time."""
    from package.routers.rating import services

    original = services.rate_model
    times: list[tuple[float, float]] = []

    def timed(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            times.append((time.perf_counter() - started, time.process_time() - cpu))

    setattr(services, "rate_model", timed)  # noqa: B010 - a plain assignment is an error for mypy
    try:
        yield times
    finally:
        setattr(services, "rate_model", original)  # noqa: B010


def _singles(client: TestClient, hub: FakeHub, ids: list[str], repeats: int) -> list[dict[str, float]]:
    """Each uncached /rate alone: the request's and the service's wall time, the slowest metric's latency and
    the sum of all, the rating's own wall time, the same call cached right after, and the upstream calls it
    made (0: every input was local or already fetched). After the first pass, each model's stored rating is
    dropped and computed again `repeats` times (its upstream facts fetched by then: every input local)."""
    from package.core.storage import get_storage
    from package.routers.rating import database as rating_database
    from package.routers.rating import services as rating_services

    found = []
    with _service_times() as service:
        for n in range(1 + repeats):
            for artifact_id in ids:
                if n:
                    assert rating_services.wait_background(60)  # its last rating is stored
                    rating_database.delete_report(get_storage(), artifact_id)
                hub.clear_requests()
                started = time.perf_counter()
                response = client.get(f"/artifact/model/{artifact_id}/rate")
                wall = time.perf_counter() - started
                assert response.status_code == 200, response.text
                started = time.perf_counter()
                assert client.get(f"/artifact/model/{artifact_id}/rate").status_code == 200
                cached = time.perf_counter() - started
                body = response.json()
                latencies = [float(body[f"{m}_latency"]) for m in METRICS]
                found.append(
                    {
                        "wall": wall,
                        "service": service[-2][0],  # the uncached call's (the cached one came after)
                        "service_cpu": service[-2][1],
                        "cached": cached,
                        "slowest": max(latencies),
                        "metric_sum": sum(latencies),
                        "rating": float(body["net_score_latency"]),
                        "upstream": len(hub.requests),
                    }
                )
    return found


def _ratio_figures(calls: list[dict[str, float]]) -> dict[str, float]:
    """Median and worst ratios of these calls' times to their slowest metric (times in ms)."""
    calls = [c for c in calls if c["slowest"] > 0]
    if not calls:
        return {"calls": 0}

    def ratios(key: str) -> list[float]:
        return sorted(c[key] / c["slowest"] for c in calls)

    def p50_ms(key: str) -> float:
        return statistics.median(c[key] for c in calls) * 1000

    wall, service, inner, floor = ratios("wall"), ratios("service"), ratios("rating"), ratios("metric_sum")
    return {
        "calls": len(calls),
        "wall_p50_ms": p50_ms("wall"),
        "cached_wall_p50_ms": p50_ms("cached"),
        "service_p50_ms": p50_ms("service"),
        "service_cpu_p50_ms": p50_ms("service_cpu"),
        "rating_p50_ms": p50_ms("rating"),
        "slowest_metric_p50_ms": p50_ms("slowest"),
        "metric_sum_p50_ms": p50_ms("metric_sum"),
        "wall_over_slowest_p50": statistics.median(wall),
        "wall_over_slowest_max": wall[-1],
        "service_over_slowest_p50": statistics.median(service),
        "service_over_slowest_max": service[-1],
        "rating_wall_over_slowest_p50": statistics.median(inner),
        "rating_wall_over_slowest_max": inner[-1],
        "metric_sum_over_slowest_p50": statistics.median(floor),
    }


def _single_figures(calls: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """The ratios of every lone call, of those that waited on an upstream, and of those that did not."""
    return {
        "all": _ratio_figures(calls),
        "upstream": _ratio_figures([c for c in calls if c["upstream"]]),
        "local": _ratio_figures([c for c in calls if not c["upstream"]]),
    }


def _print_singles(single: dict[str, dict[str, float]]) -> None:
    print("uncached /rate alone, p50 (ms), and each time over the call's slowest metric (p50 / max):")
    print("  request = the HTTP call (in-process client), service = the rating service behind the route,")
    print(
        "  rating = net_score_latency (the metrics), sum = all metric latencies added, cached = the same call"
    )
    print("  cpu = the service's CPU time (this process, all threads)")
    print(
        f"{'calls':<9} {'n':>3} {'request':>8} {'cached':>7} {'service':>8} {'cpu':>6} {'rating':>7} "
        f"{'slowest':>8} "
        f"{'request/slow':>13} {'service/slow':>13} {'rating/slow':>12} {'sum/slow':>9}"
    )
    for label, row in single.items():
        if row["calls"]:
            print(
                f"{label:<9} {row['calls']:>3.0f} {row['wall_p50_ms']:>8.2f} "
                f"{row['cached_wall_p50_ms']:>7.2f} "
                f"{row['service_p50_ms']:>8.2f} {row['service_cpu_p50_ms']:>6.2f} "
                f"{row['rating_p50_ms']:>7.2f} "
                f"{row['slowest_metric_p50_ms']:>8.2f} "
                f"{row['wall_over_slowest_p50']:>6.2f}/{row['wall_over_slowest_max']:<6.1f} "
                f"{row['service_over_slowest_p50']:>6.2f}/{row['service_over_slowest_max']:<6.1f} "
                f"{row['rating_wall_over_slowest_p50']:>5.2f}/{row['rating_wall_over_slowest_max']:<6.1f} "
                f"{row['metric_sum_over_slowest_p50']:>9.2f}"
            )


def _cached_audit_paths(client: TestClient, ids: list[str], blocks: int, calls: int) -> dict[str, Any]:
    """Cached /rate one at a time in interleaved blocks: the RATE audit entry written at once (as main did;
    odd blocks) or batched with the process's next write-behind flush (the default; even blocks), so both see
    the same load. Times in ms."""
    from package.routers.artifacts import services as artifact_services

    batched = artifact_services.record_audit

    def at_once(*args: Any, **kwargs: Any) -> None:
        batched(*args, **(kwargs | {"later": False}))

    times: dict[str, list[float]] = {"at_once": [], "batched": []}
    try:
        for block in range(blocks):
            path = "at_once" if block % 2 else "batched"
            setattr(artifact_services, "record_audit", at_once if block % 2 else batched)  # noqa: B010
            for n in range(calls):
                started = time.perf_counter()
                response = client.get(f"/artifact/model/{ids[n % len(ids)]}/rate")
                times[path].append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
    finally:
        setattr(artifact_services, "record_audit", batched)  # noqa: B010
    figures: dict[str, Any] = {}
    for path, found in times.items():
        found.sort()
        figures[path] = {
            "calls": len(found),
            "p50_ms": statistics.median(found) * 1000,
            "p90_ms": found[int(0.9 * len(found))] * 1000,
            "p99_ms": found[int(0.99 * len(found))] * 1000,
            "max_ms": found[-1] * 1000,
        }
        shown = " ".join(f"{key[:-3]} {value:.2f}" for key, value in figures[path].items() if key != "calls")
        print(f"cached /rate, audit entry {path:<8} {len(found):>5} calls (ms): {shown}")
    return figures


def _overlap(ratings: list[dict[str, Any]]) -> tuple[float, float]:
    """Total of the metric latencies and of the ratings' wall times."""
    metric_sum = sum(r[f"{m}_latency"] for r in ratings for m in METRICS)
    return metric_sum, sum(r["net_score_latency"] for r in ratings)


def _medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median over the rounds of each figure of a phase (times in ms)."""
    keys = {"wall": "burst_ms", "p50": "p50_ms", "p95": "p95_ms", "max": "max_ms"}
    out = {name: float(statistics.median(run[key] for run in runs)) * 1000 for key, name in keys.items()}
    out |= {key: float(statistics.median(run[key] for run in runs)) for key in ("computed", "github_calls")}
    return out


def _row(label: str, runs: list[dict[str, Any]]) -> str:
    med = _medians(runs)
    return (
        f"{label:<10} {med['burst_ms']:9.1f} {med['p50_ms']:9.1f} {med['p95_ms']:9.1f} "
        f"{med['max_ms']:9.1f} {med['computed']:9.0f} {med['github_calls']:8.0f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the phases, print the figures and write them to bench/results/rating_burst.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--github-latency", type=float, default=0.05, help="seconds GitHub takes per call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--local-repeats", type=int, default=4, help="uncached /rate again per model, every input local"
    )
    parser.add_argument(
        "--audit-blocks",
        type=int,
        default=0,
        help="interleaved blocks of cached /rate per audit path (0: none)",
    )
    parser.add_argument("--audit-block-calls", type=int, default=300, help="cached /rate calls per block")
    parser.add_argument("--smoke", action="store_true", help="one round, 3 models, 1 local repeat")
    args = parser.parse_args(argv)
    rounds = 1 if args.smoke else args.rounds
    models = MODELS[:3] if args.smoke else MODELS
    repeats = 1 if args.smoke else args.local_repeats
    audit_blocks, audit_calls = (2, 10) if args.smoke else (args.audit_blocks, args.audit_block_calls)
    logging.disable(logging.INFO)
    from package.routers.rating import services as rating_services

    phases: dict[str, list[dict[str, Any]]] = {"uncached": [], "cached": [], "ingest": []}
    singles: list[dict[str, float]] = []
    audits: dict[str, Any] = {}
    with FakeHub() as hub:
        _copies(hub)
        hub.set_latency("github", args.github_latency)
        for _ in range(rounds):
            client = _registry(hub, rate_on_ingest=False)
            ids = _register_all(client, models)
            phases["uncached"].append(_burst(client, hub, ids))
            phases["cached"].append(_burst(client, hub, ids))
            client.__exit__(None, None, None)
            client = _registry(hub, rate_on_ingest=True)
            ids = _register_all(client, models)
            assert rating_services.get_pipeline().wait_idle(timeout=300)
            phases["ingest"].append(_burst(client, hub, ids))
            if audit_blocks and not audits:
                audits = _cached_audit_paths(client, ids, audit_blocks, audit_calls)
            client.__exit__(None, None, None)
            client = _registry(hub, rate_on_ingest=False)
            singles += _singles(client, hub, _register_all(client, models), repeats)
            client.__exit__(None, None, None)
        rating_services.reset_pipeline()
    print(f"{len(models)} concurrent GET /rate, GitHub latency {args.github_latency * 1000:.0f} ms, "
          f"median of {rounds} rounds (ms)")  # fmt: skip
    print(f"{'phase':<10} {'burst':>9} {'p50':>9} {'p95':>9} {'max':>9} {'computed':>9} {'GitHub':>8}")
    for label, runs in phases.items():
        print(_row(label, runs))
    uncached, cached = phases["uncached"], phases["cached"]
    speedup = statistics.median(u["wall"] for u in uncached) / statistics.median(c["wall"] for c in cached)
    print(f"cached burst is {speedup:.0f}x faster than the uncached baseline")
    metric_sum, wall_sum = _overlap([r for run in uncached for r in run["ratings"]])
    print(
        f"metric concurrency (uncached): sum of metric latencies {metric_sum:.2f} s vs sum of rating wall "
        f"times {wall_sum:.2f} s ({metric_sum / wall_sum:.1f}x overlap)"
    )
    single = _single_figures(singles)
    _print_singles(single)
    figures: dict[str, Any] = {label: _medians(runs) for label, runs in phases.items()}
    figures["single"] = single
    if audits:
        figures["cached_audit_paths"] = audits
    figures |= {"cached_speedup": speedup, "metric_overlap": metric_sum / wall_sum, "models": len(models)}
    options = {
        "github_latency_s": args.github_latency,
        "rounds": rounds,
        "local_repeats": repeats,
        "audit_blocks": audit_blocks,
    }
    results.write("rating_burst", figures, options=options)


if __name__ == "__main__":
    main()
