"""The search-at-scale benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke

OPERATIONS = ["by_name", "read_by_id", "page_first", "page_middle", "page_last", "page_walk", "filtered"]
# The same reads through the spec's routes on a server over the seeded storage (a non-200 fails the run).
HTTP = ["http_by_name", "http_read_by_id", "http_page_first", "http_page_middle", "http_page_last"]


def test_smoke_run_writes_the_figures(tmp_path: Path) -> None:
    figures = run_smoke("search_scale", tmp_path)["figures"]
    assert sorted(figures, key=int) == ["60", "150"]
    for size, at_size in figures.items():
        assert at_size["artifacts"] == int(size)
        for operation in [*OPERATIONS, *HTTP, "full_scan_by_name", "full_scan_page"]:
            assert at_size[operation]["p50"] > 0 and "cpu_p99" in at_size[operation], operation
        assert at_size["pages"] == -(-int(size) // 100)
        assert at_size["seed_per_second"] > 0
        assert "_cursors" not in at_size and "_names" not in at_size
