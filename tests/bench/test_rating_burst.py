"""The rating-burst benchmark runs end to end at smoke size and writes its figures (no thresholds)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from bench import rating_burst


def test_smoke_run_writes_the_figures(
    registry_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    saved = dict(os.environ)
    try:
        rating_burst.main(["--smoke"])
    finally:  # the benchmark sets up its own registry's environment: leave none of it to later tests
        os.environ.clear()
        os.environ.update(saved)
        logging.disable(logging.NOTSET)
    figures = json.loads((tmp_path / "rating_burst.json").read_text())["figures"]
    assert figures["models"] == 3
    for phase in ("uncached", "cached", "ingest"):
        assert figures[phase]["burst_ms"] > 0
    assert figures["uncached"]["computed"] == 3 and figures["cached"]["computed"] == 0
    audits = figures["cached_audit_paths"]  # one block of 10 cached calls per audit path at smoke size
    assert audits["at_once"]["calls"] == audits["batched"]["calls"] == 10
    assert all(path["max_ms"] >= path["p50_ms"] > 0 for path in audits.values())
    single = figures["single"]
    assert (
        single["all"]["calls"] == 6
    )  # the 3 first calls, then each model's rating dropped and computed once more
    assert single["upstream"]["calls"] + single["local"]["calls"] == 6
    assert single["upstream"]["calls"] >= 1  # bert's card links a GitHub repository nothing fetched yet
    assert single["local"]["calls"] >= 3  # the repeats: every upstream fact was fetched by the first calls
    for row in (r for r in single.values() if r["calls"]):
        assert row["wall_p50_ms"] >= row["slowest_metric_p50_ms"] > 0
        assert row["wall_over_slowest_max"] >= row["wall_over_slowest_p50"] >= 1
        # the service runs inside the request, the metrics inside the service; the sum bounds the slowest
        assert row["service_over_slowest_max"] >= row["service_over_slowest_p50"] >= 1
        assert row["rating_wall_over_slowest_p50"] >= 1
        assert row["metric_sum_over_slowest_p50"] >= 1
        assert row["cached_wall_p50_ms"] > 0 and row["service_cpu_p50_ms"] > 0
        assert row["wall_p50_ms"] >= row["service_p50_ms"] >= row["rating_p50_ms"]
