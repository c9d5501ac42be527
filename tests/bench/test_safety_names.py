"""The name-check benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    figures = run_smoke("safety_names", tmp_path)["figures"]
    assert sorted(figures, key=int) == ["30", "90"]
    for size, at_size in figures.items():
        assert at_size["artifacts"] == int(size)
        assert at_size["new"]["p50"] > 0 and at_size["old"]["p50"] > 0 and "cpu_p99" in at_size["new"]
        assert at_size["same_findings"] is True and at_size["load"] > 0 and "findings_per_probe" in at_size
