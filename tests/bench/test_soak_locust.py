"""bench/soak_locust.py --smoke: a few seconds of locust traffic; its figures land in BENCH_RESULTS."""

from __future__ import annotations

from bench.soak_locust import slope_per_minute
from tests.helpers import run_smoke


def test_smoke_run_writes_its_figures(tmp_path):
    figures = run_smoke("soak_locust", tmp_path, printed=("soak (locust)",), timeout=300)["figures"]
    assert figures["requests"] > 0
    assert figures["server_errors"] == 0, figures["server_errors_by_route"]
    for name in ("latency_ms_p95", "rss_mib_start", "rss_mib_end", "rss_slope_mib_per_minute"):
        assert isinstance(figures[name], int | float)


def test_memory_slope_is_in_mib_per_minute():
    assert slope_per_minute([(0.0, 100.0), (60.0, 103.0), (120.0, 106.0)]) == 3.0
    assert slope_per_minute([(0.0, 100.0)]) == 0.0
