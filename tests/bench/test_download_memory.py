"""The download memory benchmark's smoke run: a few rounds, one plain and one traced worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import download_memory
from bench.memory import memory_flat, rss_slope


def test_smoke_run_writes_memory_per_round_and_a_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    download_memory.main(["--smoke"])
    configs = json.loads((tmp_path / "download_memory.json").read_text())["figures"]["configs"]
    assert set(configs) == {"workers-1", "traced-1"}
    for figures in configs.values():
        assert len(figures["rss_mib"]) == 4 and all(mib > 0 for mib in figures["rss_mib"])  # warm-up + 3
        assert len(figures["load_average"]) == 3 and figures["errors"] == 0
        assert isinstance(figures["memory_flat"], bool) and "rss_slope_mib_per_round" in figures
    traced = configs["traced-1"]
    assert len(traced["traced_mib"]) == 3 and all(mib > 0 for mib in traced["traced_mib"])
    assert all(line["size_diff_kib"] > 0 for line in traced["traced_growth_first_to_last"])


def test_the_slope_is_taken_once_warm():
    assert rss_slope([100, 160, 170, 170, 170, 170]) == pytest.approx(0)  # warm-up growth is not a leak
    assert rss_slope([100, 110, 120, 130, 140, 150]) == pytest.approx(10)
    assert rss_slope([100]) == 0
    assert memory_flat([100, 160, 170, 170.5]) == "memory flat: yes (+0.50 MiB/round)"
    assert memory_flat([100, 110, 120, 130]).startswith("memory flat: no (+10.00")
