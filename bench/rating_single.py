"""rating_burst's single phase: each uncached GET /rate alone, its times against its slowest metric.

`singles` times every model's uncached /rate one call at a time, then again `repeats` times with the stored
rating dropped (every input local by then), beside the same call cached; `service_times` also times the
rating service behind the route. `single_figures` gives, for all calls, those that waited on an upstream and
those that did not, the p50 times and each time over the call's slowest metric; `print_singles` prints them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from tests.fakehub import FakeHub

# The metrics a rating reports, each with its `<name>_latency`.
METRICS = (
    "ramp_up_time", "bus_factor", "performance_claims", "license", "dataset_and_code_score",
    "dataset_quality", "code_quality", "reproducibility", "reviewedness", "tree_score", "size_score",
)  # fmt: skip


@contextmanager
def service_times() -> Iterator[list[tuple[float, float]]]:
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


def singles(client: TestClient, hub: FakeHub, ids: list[str], repeats: int) -> list[dict[str, float]]:
    """Each uncached /rate alone: the request's and the service's wall time, the slowest metric's latency and
    the sum of all, the rating's own wall time, the same call cached right after, and the upstream calls it
    made (0: every input was local or already fetched). After the first pass, each model's stored rating is
    dropped and computed again `repeats` times (its upstream facts fetched by then: every input local)."""
    from package.core.storage import get_storage
    from package.routers.rating import database as rating_database
    from package.routers.rating import services as rating_services

    found = []
    with service_times() as service:
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


def ratio_figures(calls: list[dict[str, float]]) -> dict[str, float]:
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


def single_figures(calls: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """The ratios of every lone call, of those that waited on an upstream, and of those that did not."""
    return {
        "all": ratio_figures(calls),
        "upstream": ratio_figures([c for c in calls if c["upstream"]]),
        "local": ratio_figures([c for c in calls if not c["upstream"]]),
    }


def print_singles(single: dict[str, dict[str, float]]) -> None:
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
