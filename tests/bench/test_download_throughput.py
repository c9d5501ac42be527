"""The download benchmark's smoke run: tiny sizes, every configuration but the split deployment."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_smoke


def test_smoke_run_writes_every_configurations_figures(tmp_path: Path) -> None:
    written = run_smoke("download_throughput", tmp_path)
    configs = written["figures"]["configs"]
    assert set(configs) == {
        "nginx",
        "make-run",
        "make-run-bare",
        "uvicorn",
        "workers",
        "workers-sync",
        "granian-bare",
    }
    for figures in configs.values():
        assert figures["requests"] > 0 and figures["bytes"] > 0
        assert figures["errors"] == 0
        for name in ("mean_ms", "median_ms", "p99_ms", "throughput_mb_s", "p99_over_median"):
            assert figures[name] >= 0
        assert len(figures["rss_mib"]) == 2 and all(mib > 0 for mib in figures["rss_mib"])  # warm-up, round
        assert len(figures["throughput_rounds_mb_s"]) == 1
        assert figures["vs_nginx"] > 0
        assert figures["server_cpu_ms_per_download"] >= 0 and figures["client_cpu_ms_per_download"] > 0
    assert configs["nginx"]["vs_nginx"] == 1.0
    assert "serve" in configs["make-run"]["command"]  # the Makefile's own command was measured
    assert "bench.bare_pathsend:app" in configs["granian-bare"]["command"]
    assert (
        "serve" in configs["make-run-bare"]["command"]
        and "bench.bare_xaccel:app" in configs["make-run-bare"]["command"]
    )
    assert written["figures"]["bundle_bytes"] > 20 * 2**20
    assert written["options"]["smoke"] is True
