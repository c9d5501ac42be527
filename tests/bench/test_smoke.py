"""Every benchmark still runs: `python -m bench --smoke` into a temporary folder; each JSON has figures.

A benchmark with its own smoke test (tests/bench/test_<name>.py) is left to it; Lighthouse is out of the smoke
run (see BENCHMARKS). Figures are checked for presence and shape, never against timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, SIZED, command, select
from tests.helpers import bench_env

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _smoked_here() -> list[str]:
    """Listed, present, smoke-able benchmarks without a smoke test of their own."""
    return [b.name for b in BENCHMARKS if b.smoke and not (HERE / f"test_{b.name}.py").exists()]


def _numbers(node: object) -> int:
    """How many numbers a JSON tree holds."""
    if isinstance(node, dict):
        return sum(_numbers(v) for v in node.values())
    if isinstance(node, list):
        return sum(_numbers(v) for v in node)
    return int(isinstance(node, int | float) and not isinstance(node, bool))


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One smoke run of the benchmarks this test owns, into a temporary BENCH_RESULTS."""
    folder = tmp_path_factory.mktemp("bench-results")
    argv = [sys.executable, "-m", "bench", "--smoke", "--only", ",".join(_smoked_here())]
    env = bench_env(folder)
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return done, folder


def test_every_smoke_benchmark_finishes(smoke_run):
    done, _ = smoke_run
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "benchmarks in" in done.stdout  # the total time line


@pytest.mark.parametrize("name", _smoked_here())
def test_each_writes_its_figures(smoke_run, name):
    _, folder = smoke_run
    result = json.loads((folder / f"{name}.json").read_text())
    assert result["benchmark"] == name
    assert result["machine"]["cpus"]
    assert _numbers(result["figures"]) >= 2, result["figures"]


def test_an_unknown_name_is_refused():
    with pytest.raises(SystemExit, match="unknown benchmark"):
        select("lambda_cold,nonsense", smoke=False)


def test_smoke_leaves_out_what_is_not_smoke_able_and_sizes_reach_their_option():
    names = [b.name for b in select(None, smoke=True)]
    assert "lighthouse_scores" not in names
    assert "lighthouse_scores" in [b.name for b in select(None, smoke=False)]
    by_name = {b.name: b for b in BENCHMARKS}
    assert command(by_name["search_scale"], smoke=False, size="10k")[-2:] == ["--sizes", "1000,10000"]
    assert command(by_name["web_render"], smoke=True, size="10k")[-1] == "--smoke"
    assert set(SIZED) <= set(by_name)


@pytest.mark.parametrize("name", [b.name for b in BENCHMARKS])
def test_every_listed_benchmark_is_a_module_with_a_smoke_test(name):
    assert (ROOT / "bench" / f"{name}.py").is_file()
    smoked = next(b for b in BENCHMARKS if b.name == name).smoke
    assert not smoked or name in _smoked_here() or (HERE / f"test_{name}.py").is_file()
