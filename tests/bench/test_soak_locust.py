"""bench/soak_locust.py --smoke: a few seconds of locust traffic; its figures land in BENCH_RESULTS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.soak_locust import slope_per_minute

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_run_writes_its_figures(tmp_path):
    env = {**os.environ, "BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak_locust", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((tmp_path / "soak_locust.json").read_text())["figures"]
    assert figures["requests"] > 0
    assert figures["server_errors"] == 0, figures["server_errors_by_route"]
    for name in ("latency_ms_p95", "rss_mib_start", "rss_mib_end", "rss_slope_mib_per_minute"):
        assert isinstance(figures[name], int | float)
    assert "soak (locust)" in done.stdout


def test_memory_slope_is_in_mib_per_minute():
    assert slope_per_minute([(0.0, 100.0), (60.0, 103.0), (120.0, 106.0)]) == 3.0
    assert slope_per_minute([(0.0, 100.0)]) == 0.0
