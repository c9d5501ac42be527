"""The download benchmark's smoke run: tiny sizes, every configuration but the split deployment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import download_throughput


def test_smoke_run_writes_every_configurations_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    download_throughput.main(["--smoke"])
    written = json.loads((tmp_path / "download_throughput.json").read_text())
    configs = written["figures"]["configs"]
    assert set(configs) == {"nginx", "make-run", "uvicorn", "workers", "workers-sync"}
    for figures in configs.values():
        assert figures["requests"] > 0 and figures["bytes"] > 0
        assert figures["errors"] == 0
        for name in ("mean_ms", "median_ms", "p99_ms", "throughput_mb_s", "p99_over_median"):
            assert figures[name] >= 0
        assert len(figures["rss_mib"]) == 2 and all(mib > 0 for mib in figures["rss_mib"])  # warm-up, round
        assert len(figures["throughput_rounds_mb_s"]) == 1
        assert figures["vs_nginx"] > 0
    assert configs["nginx"]["vs_nginx"] == 1.0
    assert "granian" in configs["make-run"]["command"]  # the Makefile's own command was measured
    assert written["figures"]["bundle_bytes"] > 20 * 2**20
    assert written["options"]["smoke"] is True
