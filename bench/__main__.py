"""Run every benchmark, one subprocess each: `make bench` (or `python -m bench`).

    python -m bench [--smoke] [--only a,b] [--size 1k|10k|100k]

`--smoke` passes `--smoke` to each (tiny sizes, seconds: what `make test` runs so the benchmarks cannot rot).
`--size` (default 1k) is the registry size for the benchmarks that seed one (through the services, as any
registration); each of those gets it in its own option (SIZED). Every benchmark prints its figures and writes
bench/results/<name>.json (or $BENCH_RESULTS/<name>.json); `python -m bench.plots` draws them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


def _decades(size: int) -> list[str]:
    """1,000 up to `size` in tenfold steps: the points of a latency-vs-registry-size curve."""
    steps, step = [], 1_000
    while step <= size:
        steps.append(str(step))
        step *= 10
    return steps


# How each benchmark that seeds a registry takes its size (each chose its own option name).
SIZED: dict[str, Callable[[int], list[str]]] = {
    "search_scale": lambda n: ["--sizes", ",".join(_decades(n))],
    "regex_scale": lambda n: ["--sizes", ",".join(_decades(n))],
    "registration_scale": lambda n: ["--count", str(n)],
    "web_render": lambda n: ["--artifacts", str(n)],
    "safety_names": lambda n: ["--sizes", ",".join(_decades(n))],
    "filter_scale": lambda n: ["--artifacts", str(n)],
    "startup_resume": lambda n: ["--artifacts", str(n)],
}


@dataclass(frozen=True)
class Benchmark:
    """One module under bench/ and the options `make bench` gives it (on top of --smoke / the size)."""

    name: str
    full: list[str] = field(default_factory=list)  # what a full run passes (keeps `make bench` to minutes)
    smoke: bool = True  # False: not part of the smoke run (said why in the entry's comment)


# THE list of benchmarks: `make bench` runs these, in this order; the smoke test checks every one's JSON.
BENCHMARKS = [
    Benchmark("lambda_cold"),
    Benchmark("ingest_download"),
    Benchmark("hub_download"),
    Benchmark("rating_burst"),
    Benchmark("health_activity"),
    Benchmark("safety_scanners"),
    Benchmark("safety_scan_memory", full=["--opcodes", "1000000"]),  # 5M: over 2 min under load
    Benchmark("security_limits"),
    Benchmark("blob_storage"),
    Benchmark("web_render"),
    Benchmark("soak", full=["--seconds", "60"]),
    # Chromium + Lighthouse take ~15 s per page even at their smallest; the browser tests run
    # `lighthouse_scores` on every page already, so the smoke run leaves it out.
    Benchmark("lighthouse_scores", smoke=False),
    Benchmark("search_scale"),
    Benchmark("regex_scale"),
    Benchmark("download_throughput"),
    Benchmark("download_cost"),
    Benchmark("download_memory", full=["--rounds", "6", "--configs", "make-run", "make-run-per-thread"]),
    Benchmark("registration_scale"),
    Benchmark("soak_locust", full=["--seconds", "60"]),  # its own default, 300 s, is the long soak
    Benchmark("safety_names"),
    Benchmark("filter_scale"),
    Benchmark("startup_resume"),
]


def command(benchmark: Benchmark, *, smoke: bool, size: str | None) -> list[str]:
    """The command line that runs one benchmark."""
    argv = [sys.executable, "-m", f"bench.{benchmark.name}"]
    if smoke:
        return [*argv, "--smoke"]
    argv += benchmark.full
    if size is not None and benchmark.name in SIZED:
        argv += SIZED[benchmark.name](SIZES[size])
    return argv


def select(only: str | None, *, smoke: bool) -> list[Benchmark]:
    """The benchmarks to run: `only` (comma-separated names) or all (all smoke-able ones with --smoke)."""
    if only is None:
        return [b for b in BENCHMARKS if b.smoke or not smoke]
    by_name = {b.name: b for b in BENCHMARKS}
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit status 1 if any failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds per benchmark")
    parser.add_argument("--only", help="comma-separated benchmark names (default: all)")
    parser.add_argument(
        "--size",
        choices=list(SIZES),
        default="1k",
        help="registry size for the benchmarks that seed one (default 1k keeps `make bench` to minutes)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    outcomes: dict[str, str] = {}
    for benchmark in select(args.only, smoke=args.smoke):
        argv_one = command(benchmark, smoke=args.smoke, size=args.size)
        print(f"== {benchmark.name}: {' '.join(argv_one[1:])}", flush=True)
        one_started = time.perf_counter()
        code = subprocess.run(argv_one, cwd=ROOT, check=False).returncode
        seconds = time.perf_counter() - one_started
        outcomes[benchmark.name] = f"{'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.1f} s"
        print(f"== {benchmark.name}: {outcomes[benchmark.name]}", flush=True)
    print(f"\n{len(outcomes)} benchmarks in {time.perf_counter() - started:.1f} s:")
    for name, outcome in outcomes.items():
        print(f"  {name:<22} {outcome}")
    return 1 if any(o.startswith("FAILED") for o in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
