"""The name-check benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    figures = run_smoke("safety_names", tmp_path)["figures"]
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
