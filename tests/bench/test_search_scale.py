"""The search-at-scale benchmark still runs: its smoke size writes every figure (no timing thresholds)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from bench import regex_corpus, search_scale
from package.core import events
from package.core.config import MirrorPolicy, Settings
from package.core.storage import open_storage
from package.routers.artifacts import services
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


@pytest.mark.parametrize("server", ["uvicorn", "make-run"])
def test_existing_registry_is_measured_without_seeding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    """`--existing DIR` times the reads, over HTTP too (on either server), on a registry another run kept."""
    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path / "results"))
    for hooks in ("_ingest_gates", "_artifact_hooks", "_change_hooks", "_reset_hooks"):
        monkeypatch.setattr(events, hooks, [])
    settings = Settings(data_dir=tmp_path / "data", mirror=MirrorPolicy.OFF)
    storage = open_storage(settings)
    services.reset(storage)
    regex_corpus.seed(storage, settings, regex_corpus.repo_ids(random.Random(1), 130, 0))
    options = ["--repeats", "3", "--scan-repeats", "1", "--server", server]
    search_scale.main(["--existing", str(tmp_path / "data"), *options])
    payload = json.loads((tmp_path / "results" / "search_scale.json").read_text())
    assert payload["options"]["existing"] == str(tmp_path / "data") and payload["options"]["server"] == server
    at_size = payload["figures"]["130"]
    for operation in [*OPERATIONS, *HTTP]:
        assert at_size[operation]["p50"] > 0, operation
    assert at_size["pages"] == 2 and at_size["seed_per_second"] is None
