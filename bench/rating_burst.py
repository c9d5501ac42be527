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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from bench import registry, results
from bench.rating_single import METRICS, print_singles, single_figures, singles
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


@dataclass(frozen=True)
class _Plan:
    """What a run does: GitHub's latency, rounds, models, local repeats, audit blocks and calls per block."""

    github_latency: float
    rounds: int
    models: list[str]
    repeats: int
    audit_blocks: int
    audit_calls: int


@dataclass
class _Measured:
    """Every round's figures: the three bursts' phases, the single calls and the audit paths (once)."""

    phases: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"uncached": [], "cached": [], "ingest": []}
    )
    singles: list[dict[str, float]] = field(default_factory=list)
    audits: dict[str, Any] = field(default_factory=dict)


def _plan(argv: list[str] | None) -> _Plan:
    """The command line's plan (--smoke: one round, 3 models, 1 local repeat, 2 audit blocks of 10 calls)."""
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
    audit_blocks, audit_calls = (2, 10) if args.smoke else (args.audit_blocks, args.audit_block_calls)
    return _Plan(
        github_latency=args.github_latency,
        rounds=1 if args.smoke else args.rounds,
        models=MODELS[:3] if args.smoke else MODELS,
        repeats=1 if args.smoke else args.local_repeats,
        audit_blocks=audit_blocks,
        audit_calls=audit_calls,
    )


def _measure(plan: _Plan) -> _Measured:
    """Every round against one fake hub (GitHub slowed down), each phase on a fresh registry."""
    from package.routers.rating import services as rating_services

    measured = _Measured()
    with FakeHub() as hub:
        _copies(hub)
        hub.set_latency("github", plan.github_latency)
        for _ in range(plan.rounds):
            _round(hub, plan, measured)
        rating_services.reset_pipeline()
    return measured


def _round(hub: FakeHub, plan: _Plan, measured: _Measured) -> None:
    """One round: the uncached then cached burst, the burst after rating on ingest (and the audit paths, in
    the first round), then the single calls."""
    from package.routers.rating import services as rating_services

    phases, models = measured.phases, plan.models
    client = _registry(hub, rate_on_ingest=False)
    ids = _register_all(client, models)
    phases["uncached"].append(_burst(client, hub, ids))
    phases["cached"].append(_burst(client, hub, ids))
    client.__exit__(None, None, None)
    client = _registry(hub, rate_on_ingest=True)
    ids = _register_all(client, models)
    assert rating_services.get_pipeline().wait_idle(timeout=300)
    phases["ingest"].append(_burst(client, hub, ids))
    if plan.audit_blocks and not measured.audits:
        measured.audits = _cached_audit_paths(client, ids, plan.audit_blocks, plan.audit_calls)
    client.__exit__(None, None, None)
    client = _registry(hub, rate_on_ingest=False)
    measured.singles += singles(client, hub, _register_all(client, models), plan.repeats)
    client.__exit__(None, None, None)


def _report(plan: _Plan, measured: _Measured) -> dict[str, Any]:
    """Print the phases' table, the cached speedup, the metrics' overlap and the single calls; the figures."""
    phases = measured.phases
    print(f"{len(plan.models)} concurrent GET /rate, GitHub latency {plan.github_latency * 1000:.0f} ms, "
          f"median of {plan.rounds} rounds (ms)")  # fmt: skip
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
    single = single_figures(measured.singles)
    print_singles(single)
    figures: dict[str, Any] = {label: _medians(runs) for label, runs in phases.items()}
    figures["single"] = single
    if measured.audits:
        figures["cached_audit_paths"] = measured.audits
    figures |= {
        "cached_speedup": speedup,
        "metric_overlap": metric_sum / wall_sum,
        "models": len(plan.models),
    }
    return figures


def main(argv: list[str] | None = None) -> None:
    """Run the phases, print the figures and write them to bench/results/rating_burst.json."""
    plan = _plan(argv)
    logging.disable(logging.INFO)
    figures = _report(plan, _measure(plan))
    options = {
        "github_latency_s": plan.github_latency,
        "rounds": plan.rounds,
        "local_repeats": plan.repeats,
        "audit_blocks": plan.audit_blocks,
    }
    results.write("rating_burst", figures, options=options)


if __name__ == "__main__":
    main()
