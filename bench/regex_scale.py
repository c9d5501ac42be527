"""byRegEx over names and READMEs as the registry grows: the trigram index against the full scan, in one run.

A registry on a temporary embedded storage is filled with synthetic models through the artifacts service's
own `register` (identity checks, the artifact transaction, its postings, versions, audit), one after another
to each size in `--sizes`. The only thing not real is the upstream: a local adapter answers each snapshot
with a generated model card (a realistic mix of families, organisations, sections and dataset mentions,
1-5 kB), instead of an HTTP round trip to a hub, which would measure the hub, not the search.

At each size, every pattern runs `--rounds` times through `services.by_regex` (index, under
REGISTRY_REGEX_DEADLINE_MS: `stopped_by_deadline` counts the searches it answered 400) and as many times
through the previous full scan (`use_index=False`, the baseline, no deadline); p50 / p99 / max in ms, the
match count and, for the index, how many candidates it had to check. Also: registration rate while seeding
and the index's size (postings per artifact). `--keep DIR` seeds into DIR and leaves it there.

    python -m bench.regex_scale [--sizes 1000,10000] [--rounds 20] [--smoke] [--keep DIR]
    python -m bench.regex_scale --existing DIR [--rounds 20]   # re-time a kept registry, no seeding
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import results
from bench.regex_corpus import repo_ids, seed
from package.core.config import MirrorPolicy, Settings
from package.core.storage import Storage, open_storage
from package.routers.artifacts import database, search_db, services
from package.routers.artifacts.errors import ArtifactNotFound, PatternTooExpensive
from package.routers.artifacts.text_index import pattern_query

BASELINE_DEADLINE_MS = 600_000  # the old full scan is timed to its end, however long
PATTERNS = ["bert", ".*bookcorpus.*", "google-research-bert", "ece461rules", "(a|aa)*$"]


def timed(
    storage: Storage,
    settings: Settings,
    pattern: str,
    rounds: int,
    *,
    use_index: bool,
    deadline_ms: int | None = None,
) -> dict[str, Any]:
    """p50 / p99 / max of `rounds` searches, in ms (wall, and this thread's CPU: on a shared machine the
    wall time mostly measures waiting for a core), how many artifacts matched and how many searches the
    deadline stopped (`deadline_ms`, default REGISTRY_REGEX_DEADLINE_MS; matches None when one was); also the
    first round alone and the p99 of the rounds after it."""
    samples, cpu = [], []
    matched: int | None = 0
    stopped = 0
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            matched = len(
                services.by_regex(
                    storage, settings, pattern=pattern, use_index=use_index, deadline_ms=deadline_ms
                )
            )
        except ArtifactNotFound:
            matched = 0
        except PatternTooExpensive:
            stopped += 1
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": _p99(samples),
        # The first search of a process also pays for memory the interpreter has not used yet (page faults:
        # up to ~2x the CPU of later rounds); later rounds are what a running server's searches cost.
        "first_ms": round(samples[0], 2),
        "warm_p99_ms": _p99(samples[1:] or samples),
        "max_ms": round(max(samples), 2),
        "p50_cpu_ms": round(statistics.median(cpu), 2),
        "p99_cpu_ms": _p99(cpu),
        "matches": None if stopped else matched,
        "stopped_by_deadline": stopped,
        "rounds": rounds,
    }


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 2)


def stored_artifacts(path: Path) -> int:
    """How many artifacts the registry in this SQLite file holds (0 when there is none yet)."""
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM records WHERE pk = 'ARTIFACT'").fetchone()[0])


def index_size(path: Path, artifacts: int) -> dict[str, Any]:
    """Postings stored and their share of the database (read straight from the SQLite file)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        postings = conn.execute("SELECT count(*) FROM records WHERE pk >= 'TRI#' AND pk < 'TRI$'").fetchone()[
            0
        ]
        stops = conn.execute("SELECT count(*) FROM records WHERE pk = ?", (search_db.STOP,)).fetchone()[0]
    return {
        "postings": postings,
        "stop_trigrams": stops,
        "postings_per_artifact": round(postings / max(1, artifacts), 1),
        "database_mb": round(path.stat().st_size / 1e6, 1),
    }


def run(sizes: list[int], rounds: int, baseline_rounds: int, keep: Path | None = None) -> dict[str, Any]:
    """Seed to each size in turn and measure every pattern with and without the index (in `keep`, which
    stays for `--existing`, or in a temporary folder)."""
    figures: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        folder = (
            keep
            if keep is not None
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="regex-scale-")))
        )
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=folder, mirror=MirrorPolicy.OFF)
        storage = open_storage(settings)
        seeded = stored_artifacts(settings.sqlite_path)  # a kept registry seeded part way: go on from there
        if seeded == 0:
            services.reset(storage)  # a new registry: empty, its search index complete
        else:
            print(f"{folder}: {seeded} artifacts stored already; seeding on from there", flush=True)
        rng = random.Random(461)
        for size in sorted(s for s in sizes if s > seeded):
            seconds = seed(storage, settings, repo_ids(rng, size - seeded, seeded))
            added, seeded = size - seeded, size
            row: dict[str, Any] = {
                "registrations_per_second": round(added / seconds, 1) if seconds else None,
                "index": index_size(settings.sqlite_path, size),
                "patterns": {},
            }
            print(
                f"{size:>7} seeded at {row['registrations_per_second']}/s; index {row['index']}", flush=True
            )
            for pattern in PATTERNS:
                indexed = timed(storage, settings, pattern, rounds, use_index=True)
                candidates = database.regex_candidates(storage, pattern_query(pattern))
                indexed["candidates"] = "all" if candidates is None else len(candidates)
                scanned = timed(
                    storage,
                    settings,
                    pattern,
                    baseline_rounds,
                    use_index=False,
                    deadline_ms=BASELINE_DEADLINE_MS,
                )
                if indexed["matches"] is not None:  # the deadline stopped none of the searches
                    assert indexed["matches"] == scanned["matches"], (pattern, indexed, scanned)
                row["patterns"][pattern] = {
                    "index": indexed,
                    "full_scan": scanned,
                    "speedup_p50": round(scanned["p50_ms"] / max(indexed["p50_ms"], 1e-3), 1),
                }
                print(
                    f"{size:>7} {pattern!r:>26}  index p50 {indexed['p50_ms']:8.1f}"
                    f" p99 {indexed['p99_ms']:8.1f}"
                    f" (CPU {indexed['p50_cpu_ms']:.1f} / {indexed['p99_cpu_ms']:.1f})"
                    f"  full scan p50 {scanned['p50_ms']:8.1f} ms  matches {indexed['matches']}"
                    f"  candidates {indexed['candidates']}  stopped {indexed['stopped_by_deadline']}",
                    flush=True,
                )
            figures[str(size)] = row
    return figures


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print and write bench/results/regex_scale.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="registry sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=20, help="searches per pattern with the index")
    parser.add_argument("--baseline-rounds", type=int, default=5, help="searches per pattern by full scan")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: finishes in seconds")
    parser.add_argument(
        "--existing",
        type=Path,
        help="only time the index's searches on the embedded registry in this data folder (no seeding, no "
        "full scan): one database measured by two versions of the code",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="seed into this data folder and keep it (re-time it later with --existing); a folder a killed "
        "run left part-seeded is seeded on from where it stopped",
    )
    options = parser.parse_args(argv)
    if options.smoke:
        options.sizes, options.rounds, options.baseline_rounds = "20,60", 3, 2
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    logging.disable(logging.INFO)  # one log line per registration would time the logger
    if options.existing is not None:
        figures = existing(options.existing, options.rounds)
    else:
        figures = run(sizes, options.rounds, options.baseline_rounds, options.keep)
    results.write(
        "regex_scale",
        figures,
        options={**vars(options), "existing": str(options.existing), "keep": str(options.keep)},
    )


def existing(folder: Path, rounds: int) -> dict[str, Any]:
    """Time every pattern through the index on a registry already stored in `folder`."""
    settings = Settings(data_dir=folder, mirror=MirrorPolicy.OFF)
    storage = open_storage(settings)
    started = time.perf_counter()
    backfilled = database.index_texts(storage)  # what start-up does: a no-op when the index is current
    seconds = round(time.perf_counter() - started, 2)
    figures: dict[str, Any] = {"backfilled": backfilled, "backfill_s": seconds}
    for pattern in PATTERNS:
        figures[pattern] = timed(storage, settings, pattern, rounds, use_index=True)
        print(f"{pattern!r:>26}  {figures[pattern]}", flush=True)
    return figures


if __name__ == "__main__":
    main()
