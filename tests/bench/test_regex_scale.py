"""The regex-scale benchmark runs (smoke sizes) and writes its figures: index and full scan, every pattern."""

from __future__ import annotations

from pathlib import Path

from bench import regex_scale
from tests.helpers import run_smoke


def test_smoke_run_writes_every_pattern_at_every_size(tmp_path: Path) -> None:
    payload = run_smoke("regex_scale", tmp_path)
    assert payload["options"]["smoke"] is True
    figures = payload["figures"]
    assert set(figures) == {"20", "60"}
    for row in figures.values():
        assert row["index"]["postings"] > 0
        assert set(row["patterns"]) == set(regex_scale.PATTERNS)
        for measured in row["patterns"].values():
            assert measured["index"]["matches"] == measured["full_scan"]["matches"]
            assert measured["index"]["p99_ms"] >= measured["index"]["p50_ms"] > 0
    assert figures["60"]["patterns"]["google-research-bert"]["index"]["matches"] == 1
    assert figures["60"]["patterns"]["ece461rules"]["index"]["matches"] == 0
