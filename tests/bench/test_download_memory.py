"""The download memory benchmark: its smoke run (old store, bare floor, traced worker) and its verdict."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import download_memory
from bench.memory import flat_verdict, memory_flat, rss_slope, slope_per_1000, tree_memory_mib


def test_smoke_run_writes_memory_per_round_and_a_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    download_memory.main(["--smoke"])
    configs = json.loads((tmp_path / "download_memory.json").read_text())["figures"]["configs"]
    assert set(configs) == {"make-run-per-thread", "bare", "traced-1"}
    for figures in configs.values():
        for series in ("rss_mib", "anon_mib", "file_mib", "uss_mib", "threads", "sqlite_connections"):
            assert len(figures[series]) == 4  # after the warm-up and after each of 3 rounds
        assert all(0 < anon < rss for anon, rss in zip(figures["anon_mib"], figures["rss_mib"], strict=True))
        assert len(figures["load_average"]) == 3 and figures["errors"] == 0
        assert isinstance(figures["memory_flat"], bool) and "anon_slope_mib_per_1000" in figures
        assert figures["verdict"].startswith("memory flat: ")
    assert min(configs["make-run-per-thread"]["sqlite_connections"]) >= 1
    assert configs["bare"]["sqlite_connections"] == [0, 0, 0, 0]  # no registry behind the floor
    traced = configs["traced-1"]
    assert len(traced["traced_mib"]) == 3 and all(mib > 0 for mib in traced["traced_mib"])
    assert all(line["size_diff_kib"] > 0 for line in traced["traced_growth_first_to_last"])


def test_the_slope_is_taken_once_warm():
    assert rss_slope([100, 160, 170, 170, 170, 170]) == pytest.approx(0)  # warm-up growth is not a leak
    assert rss_slope([100, 110, 120, 130, 140, 150]) == pytest.approx(10)
    assert rss_slope([100]) == 0
    assert memory_flat([100, 160, 170, 170.5]) == "memory flat: yes (+0.50 MiB/round)"
    assert memory_flat([100, 110, 120, 130]).startswith("memory flat: no (+10.00")


class TestSlopePerThousandDownloads:
    def test_fits_the_rounds_after_the_first(self):
        warming = [100.0, 160, 160, 160, 160, 160, 160]  # readings after the warm-up and rounds 1-6
        assert slope_per_1000(warming, 1000) == pytest.approx(0)
        assert slope_per_1000([100.0, 110, 120, 130, 140], 500) == pytest.approx(20)  # 10 per 500

    def test_too_few_readings_have_no_slope(self):
        assert slope_per_1000([100.0, 200], 1000) == 0

    def test_the_verdict_names_the_slope_the_span_and_the_threshold(self):
        flat = [120.0, 160, 165, 165.2, 165.4, 165.3, 165.6, 165.5, 165.9, 165.8, 166.0]
        assert flat_verdict(flat, 1000).startswith("memory flat: yes (+0.")
        assert "over the last 9,000 of 10,000; flat below 1)" in flat_verdict(flat, 1000)
        growing = [120.0, 160, 168, 175, 183, 190, 198, 205, 213, 220, 228]
        assert flat_verdict(growing, 1000).startswith("memory flat: no (+7.")


def test_memory_of_a_process_tree_splits_anonymous_from_file_backed():
    memory = tree_memory_mib(os.getpid())
    assert memory["rss"] == pytest.approx(memory["anon"] + memory["file"], abs=0.2)
    assert memory["anon"] > 1 and memory["file"] > 1 and 0 < memory["uss"] <= memory["rss"]
