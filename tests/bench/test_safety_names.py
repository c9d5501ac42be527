"""The name-check benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    env = {"BENCH_RESULTS": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.safety_names", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((tmp_path / "safety_names.json").read_text())["figures"]
    lookup = figures.pop("lookup")
    assert sorted(figures, key=int) == ["30", "90"]
    for kind in ("template", "hub_like"):
        assert sorted(lookup[kind], key=int) == ["30", "90"]
        for at_size in lookup[kind].values():
            assert at_size["new"]["p50"] > 0 and at_size["linear"]["p50"] > 0 and at_size["new"]["build"] > 0
    for size, at_size in figures.items():
        assert at_size["artifacts"] == int(size)
        for path in ("new", "linear", "old"):
            assert at_size[path]["p50"] > 0 and "cpu_p99" in at_size[path]
        for path in ("new", "linear"):
            assert at_size[path]["load"] > 0 and at_size[path]["memory_mb"] > 0
        assert at_size["same_findings"] is True and at_size["load"] > 0 and "findings_per_probe" in at_size
