"""The registration-scale benchmark runs end to end at smoke size and writes its figures (no thresholds)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from bench import registration_scale


def test_smoke_run_writes_the_figures(
    registry_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    saved = dict(os.environ)
    try:
        registration_scale.main(["--smoke"])
    finally:  # the benchmark sets up its own registry's environment: leave none of it to later tests
        os.environ.clear()
        os.environ.update(saved)
        logging.disable(logging.NOTSET)
    payload = json.loads((tmp_path / "registration_scale.json").read_text())
    figures = payload["figures"]
    assert figures["models"] == payload["options"]["count"]
    assert figures["blocks"] and all(block["per_second"] > 0 for block in figures["blocks"])
    for probe in ("probe_early", "probe_late"):
        assert figures[probe]["total_ms_median"] > 0
    assert figures["late_vs_early_total"] > 0
    assert figures["rate_cached"]["samples"] > 0 and figures["rate_cached"]["p99_ms"] > 0
    uncached = figures["rate_uncached"]
    assert uncached["wall_p50_ms"] >= uncached["slowest_metric_p50_ms"] > 0
