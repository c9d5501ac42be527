"""The download-cost benchmark's smoke run: CPU per download request and the profile's shares."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_the_cost_of_a_download_request(tmp_path: Path) -> None:
    written = run_smoke("download_cost", tmp_path, printed=("us CPU", "own time by stage"))
    figures = written["figures"]
    assert figures["requests"] == 20
    for name in ("cpu_us_per_request", "wall_us_per_request", "profiled_us_per_request"):
        assert figures[name] > 0
    shares = figures["stage_shares"]
    assert any(group.startswith("fastapi") for group in shares)
    assert 0.9 <= sum(shares.values()) <= 1.1
    assert written["options"]["smoke"] is True
