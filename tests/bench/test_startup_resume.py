"""The start-up resume benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    figures = run_smoke("startup_resume", tmp_path)["figures"]
    assert figures["artifacts"] == 300 and figures["seed_per_second"] > 0
    assert figures["mirrors"]["found"] == 3  # one in 100 pending; old and new agreed (else it exits)
    assert figures["ratings"]["found"] == 100  # every model: none is rated
    assert figures["reset_count"]["found"] == 300
    assert figures["mirror_backfill"]["filed"] == 3
    for name in ("mirrors", "ratings", "reset_count", "safety_rescan"):
        assert {"old_wall_ms", "old_cpu_ms", "wall_ms", "cpu_ms"} <= set(figures[name]), name
