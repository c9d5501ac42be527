"""The rare-filter benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    figures = run_smoke("filter_scale", tmp_path)["figures"]
    assert figures["artifacts"] == 240 and figures["seed_per_second"] > 0
    for label in ("license", "audit_user"):
        scan, index = figures[label]["scan"], figures[label]["index"]
        assert scan["matches"] == index["matches"] == 240 // 40, label  # the same entries either way
        assert index["near_empty_pages"] == 0 < scan["near_empty_pages"], label
        assert index["page"]["p50"] > 0 and "cpu_p99" in scan["page"], label
