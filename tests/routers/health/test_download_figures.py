"""The download figures `bench/` and the health domain's download benchmark share."""

from __future__ import annotations

import pytest

from package.routers.health.download_figures import FIGURE_NAMES, percentile, summarize


def test_nearest_rank_percentile_is_a_measured_value():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([5.0, 1.0, 3.0], 0.99) == 5.0  # few samples: the slowest
    assert percentile([], 0.99) == 0.0


def test_figures_of_concurrent_downloads():
    samples = [(0.1, 1_000_000, True), (0.2, 1_000_000, True), (0.3, 1_000_000, True), (0.05, 0, False)]
    figures = summarize(samples, wall_seconds=0.5)
    assert set(figures) == set(FIGURE_NAMES)
    assert figures["downloads"] == 4 and figures["errors"] == 1
    assert figures["bytes"] == 3_000_000  # the failed download's bytes do not count
    assert figures["mean_ms"] == pytest.approx(200.0)
    assert figures["median_ms"] == pytest.approx(200.0)
    assert figures["p99_ms"] == pytest.approx(300.0)  # latencies of successful downloads only
    assert figures["throughput_mb_s"] == pytest.approx(6.0)  # 3 MB over the 0.5 s wall time
    assert figures["seconds"] == pytest.approx(0.5)


def test_without_a_wall_time_the_downloads_were_sequential():
    figures = summarize([(0.5, 1_000_000, True), (1.5, 1_000_000, True)])
    assert figures["seconds"] == pytest.approx(2.0)
    assert figures["throughput_mb_s"] == pytest.approx(1.0)


def test_nothing_succeeded_gives_zeros_not_errors():
    figures = summarize([(0.1, 10, False)], wall_seconds=0.1)
    assert figures["errors"] == 1 and figures["bytes"] == 0
    assert (
        figures["mean_ms"] == figures["median_ms"] == figures["p99_ms"] == figures["throughput_mb_s"] == 0.0
    )
    assert summarize([], wall_seconds=0.0)["throughput_mb_s"] == 0.0
