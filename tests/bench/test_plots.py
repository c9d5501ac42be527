"""bench/plots.py finds each plot's data in whatever results hold its shape and skips what is missing."""

from __future__ import annotations

import json

from bench import plots


def _result(folder, name, figures):
    (folder / f"{name}.json").write_text(json.dumps({"benchmark": name, "figures": figures}))


def test_each_shape_becomes_a_curve(tmp_path):
    _result(tmp_path, "soak", {"latency_percentiles_ms": list(range(101)), "p99_ms": 99})
    _result(tmp_path, "dl", {"runs": [{"clients": 4, "mib_per_s": 40.0}, {"clients": 1, "mib_per_s": 12.5}]})
    _result(
        tmp_path,
        "search",
        {"sizes": {"1000": {"byName": {"p99_ms": 3.0}}, "10000": {"byName": {"p99_ms": 9}}}},
    )
    _result(
        tmp_path, "rows", {"points": [{"artifacts": 10, "p50_ms": 1.0}, {"artifacts": 100, "p50_ms": 2.0}]}
    )
    results = plots.load(tmp_path)
    assert plots.latency_curves(results) == {"soak": [(float(q), float(q)) for q in range(101)]}
    assert plots.throughput_curves(results) == {"dl / runs / mib_per_s": [(1.0, 12.5), (4.0, 40.0)]}
    assert plots.size_curves(results) == {
        "search / byName": [(1000.0, 3.0), (10000.0, 9.0)],
        "rows / points / p50_ms": [(10.0, 1.0), (100.0, 2.0)],
    }


def test_pngs_are_written_for_what_is_there_only(tmp_path):
    results, out = tmp_path / "results", tmp_path / "out"
    results.mkdir()
    _result(results, "soak", {"latency_percentiles_ms": [float(q) for q in range(101)]})
    (results / "broken.json").write_text("{not json")
    plots.main(["--results", str(results), "--out", str(out)])
    assert (out / "latency_distribution.png").read_bytes().startswith(b"\x89PNG")
    assert not (out / "throughput_vs_clients.png").exists()
    assert not (out / "search_latency_vs_size.png").exists()
