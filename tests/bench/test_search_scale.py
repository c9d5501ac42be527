"""The search-at-scale benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ["by_name", "read_by_id", "page_first", "page_middle", "page_last", "page_walk", "filtered"]


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    env = {"BENCH_RESULTS": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.search_scale", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((tmp_path / "search_scale.json").read_text())["figures"]
    assert sorted(figures, key=int) == ["60", "150"]
    for size, at_size in figures.items():
        assert at_size["artifacts"] == int(size)
        for operation in [*OPERATIONS, "full_scan_by_name", "full_scan_page"]:
            assert at_size[operation]["p50"] > 0 and "cpu_p99" in at_size[operation], operation
        assert at_size["pages"] == -(-int(size) // 100)
        assert at_size["seed_per_second"] > 0
