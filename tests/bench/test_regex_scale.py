"""The regex-scale benchmark runs (smoke sizes) and writes its figures: index and full scan, every pattern."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from bench import regex_corpus, regex_scale
from package.core import events
from package.core.config import MirrorPolicy, Settings
from package.core.storage import open_storage
from package.routers.artifacts import regex_query, services
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


def test_existing_registry_is_timed_without_seeding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--existing` times the searches on a registry already stored (the same database, two code versions)."""
    _quiet(tmp_path, monkeypatch)
    settings = Settings(data_dir=tmp_path / "data", mirror=MirrorPolicy.OFF)
    storage = open_storage(settings)
    services.reset(storage)
    regex_corpus.seed(storage, settings, regex_corpus.repo_ids(random.Random(1), 12, 0))
    regex_scale.main(["--existing", str(tmp_path / "data"), "--rounds", "2"])
    figures = json.loads((tmp_path / "results" / "regex_scale.json").read_text())["figures"]
    assert figures["backfilled"] == 0  # the index was current
    assert figures["google-research-bert"]["matches"] == 1
    assert set(regex_scale.PATTERNS) <= set(figures)
    assert all(figures[p]["p50_cpu_ms"] > 0 for p in regex_scale.PATTERNS if figures[p]["matches"])
    for pattern in regex_scale.PATTERNS:  # two rounds: the first alone, then the one after it
        assert figures[pattern]["max_ms"] == max(
            figures[pattern]["first_ms"], figures[pattern]["warm_p99_ms"]
        )


def _quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path / "results"))
    for hooks in ("_ingest_gates", "_artifact_hooks", "_change_hooks", "_reset_hooks"):
        monkeypatch.setattr(events, hooks, [])


def test_keep_seeds_into_a_folder_that_stays_and_a_second_run_seeds_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--keep DIR` leaves the registry for `--existing`; a run stopped part way is continued, not redone."""
    _quiet(tmp_path, monkeypatch)
    kept = tmp_path / "kept"
    options = ["--rounds", "1", "--baseline-rounds", "1", "--keep", str(kept)]
    regex_scale.main(["--sizes", "8", *options])
    assert regex_scale.stored_artifacts(kept / "registry.sqlite3") == 8
    regex_scale.main(["--sizes", "8,14", *options])
    assert regex_scale.stored_artifacts(kept / "registry.sqlite3") == 14  # 6 more, no duplicate refused
    figures = json.loads((tmp_path / "results" / "regex_scale.json").read_text())["figures"]
    assert set(figures) == {"14"}  # 8 was stored already: nothing seeded to time there
    assert figures["14"]["patterns"]["google-research-bert"]["index"]["matches"] == 1


def test_searches_the_deadline_stops_are_counted_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _quiet(tmp_path, monkeypatch)
    settings = Settings(data_dir=tmp_path / "data", mirror=MirrorPolicy.OFF)
    storage = open_storage(settings)
    services.reset(storage)
    regex_corpus.seed(storage, settings, regex_corpus.repo_ids(random.Random(1), 3, 0))
    ticks = iter(range(0, 10**6, 10))  # ten seconds a look: every deadline has passed at its first check
    monkeypatch.setattr(regex_query, "_now", lambda: float(next(ticks)))
    figures = regex_scale.timed(storage, settings, "(a|aa)*$", 3, use_index=True, deadline_ms=1000)
    assert figures["stopped_by_deadline"] == 3 and figures["matches"] is None
    monkeypatch.undo()
    _quiet(tmp_path, monkeypatch)
    figures = regex_scale.timed(storage, settings, "(a|aa)*$", 2, use_index=True)
    assert figures["stopped_by_deadline"] == 0 and figures["matches"] == 3
