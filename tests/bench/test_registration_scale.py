"""The registration-scale benchmark runs end to end at smoke size and writes its figures (no thresholds)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    payload = run_smoke("registration_scale", tmp_path)
    figures = payload["figures"]
    assert figures["models"] == payload["options"]["count"]
    assert figures["blocks"] and all(block["per_second"] > 0 for block in figures["blocks"])
    for probe in ("probe_early", "probe_late"):
        assert figures[probe]["total_ms_median"] > 0
    assert figures["late_vs_early_total"] > 0
    assert figures["rate_cached"]["samples"] > 0 and figures["rate_cached"]["p99_ms"] > 0
    uncached = figures["rate_uncached"]
    assert uncached["wall_p50_ms"] >= uncached["slowest_metric_p50_ms"] > 0
