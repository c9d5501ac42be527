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
  single     REGISTRY_RATE_ON_INGEST=false, nothing rated yet: the 13 uncached GET /rate one at a time; each
             call's wall time (the whole HTTP request) against the slowest metric in its answer (target
             <= 1.5x), and the rating's own wall time (net_score_latency) against it; for all calls, those
             that waited on an upstream (GitHub facts not fetched yet) and those whose inputs were all local

    python -m bench.rating_burst [--github-latency 0.05] [--rounds 3] [--smoke]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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


def _singles(client: TestClient, hub: FakeHub, ids: list[str]) -> list[dict[str, float]]:
    """Each uncached /rate alone: its wall time, the slowest metric's latency, the rating's wall time and the
    upstream calls it made (0: every input was local or already fetched)."""
    found = []
    for artifact_id in ids:
        hub.clear_requests()
        started = time.perf_counter()
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        wall = time.perf_counter() - started
        assert response.status_code == 200, response.text
        body = response.json()
        slowest = max(float(body[f"{m}_latency"]) for m in METRICS)
        rating = float(body["net_score_latency"])
        found.append({"wall": wall, "slowest": slowest, "rating": rating, "upstream": len(hub.requests)})
    return found


def _ratio_figures(calls: list[dict[str, float]]) -> dict[str, float]:
    """Median and worst wall / slowest-metric ratios of these calls (times in ms)."""
    ratios = sorted(c["wall"] / c["slowest"] for c in calls if c["slowest"] > 0)
    inner = sorted(c["rating"] / c["slowest"] for c in calls if c["slowest"] > 0)
    if not ratios:
        return {"calls": 0}
    return {
        "calls": len(ratios),
        "wall_p50_ms": statistics.median(c["wall"] for c in calls) * 1000,
        "slowest_metric_p50_ms": statistics.median(c["slowest"] for c in calls) * 1000,
        "wall_over_slowest_p50": statistics.median(ratios),
        "wall_over_slowest_max": ratios[-1],
        "rating_wall_over_slowest_p50": statistics.median(inner),
        "rating_wall_over_slowest_max": inner[-1],
    }


def _single_figures(calls: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """The ratios of every lone call, of those that waited on an upstream, and of those that did not."""
    return {
        "all": _ratio_figures(calls),
        "upstream": _ratio_figures([c for c in calls if c["upstream"]]),
        "local": _ratio_figures([c for c in calls if not c["upstream"]]),
    }


def _print_singles(single: dict[str, dict[str, float]]) -> None:
    print("uncached /rate alone: the call's wall time and the rating's own against the slowest metric")
    print(f"{'calls':<9} {'n':>3} {'wall p50':>9} {'slowest':>8} {'ratio p50':>10} {'max':>8} {'own p50':>8}")
    for label, row in single.items():
        if row["calls"]:
            print(
                f"{label:<9} {row['calls']:>3.0f} {row['wall_p50_ms']:>9.1f} "
                f"{row['slowest_metric_p50_ms']:>8.1f} "
                f"{row['wall_over_slowest_p50']:>10.2f} {row['wall_over_slowest_max']:>8.2f} "
                f"{row['rating_wall_over_slowest_p50']:>8.2f}"
            )


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
    parser.add_argument("--smoke", action="store_true", help="one round, 3 models")
    args = parser.parse_args(argv)
    rounds = 1 if args.smoke else args.rounds
    models = MODELS[:3] if args.smoke else MODELS
    logging.disable(logging.INFO)
    from package.routers.rating import services as rating_services

    phases: dict[str, list[dict[str, Any]]] = {"uncached": [], "cached": [], "ingest": []}
    singles: list[dict[str, float]] = []
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
            client.__exit__(None, None, None)
            client = _registry(hub, rate_on_ingest=False)
            singles += _singles(client, hub, _register_all(client, models))
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
    figures |= {"cached_speedup": speedup, "metric_overlap": metric_sum / wall_sum, "models": len(models)}
    options = {"github_latency_s": args.github_latency, "rounds": rounds}
    results.write("rating_burst", figures, options=options)


if __name__ == "__main__":
    main()
