"""The regex-scale benchmark runs (smoke sizes) and writes its figures: index and full scan, every pattern."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import regex_scale
from package.core import events


def test_smoke_run_writes_every_pattern_at_every_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    # Other tests' apps leave their domains' hooks registered; the bench runs the artifacts domain alone,
    # as `python -m bench.regex_scale` does.
    for hooks in ("_ingest_gates", "_artifact_hooks", "_change_hooks", "_reset_hooks"):
        monkeypatch.setattr(events, hooks, [])
    regex_scale.main(["--smoke"])
    payload = json.loads((tmp_path / "regex_scale.json").read_text())
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
