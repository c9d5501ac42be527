"""The rare-filter benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    env = {"BENCH_RESULTS": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.filter_scale", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((tmp_path / "filter_scale.json").read_text())["figures"]
    assert figures["artifacts"] == 240 and figures["seed_per_second"] > 0
    for label in ("license", "audit_user"):
        scan, index = figures[label]["scan"], figures[label]["index"]
        assert scan["matches"] == index["matches"] == 240 // 40, label  # the same entries either way
        assert index["near_empty_pages"] == 0 < scan["near_empty_pages"], label
        assert index["page"]["p50"] > 0 and "cpu_p99" in scan["page"], label
