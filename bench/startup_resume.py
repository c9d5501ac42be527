"""Start-up resume work on a large registry: what each domain reads to find the work a stopped process left,
against the full scans it replaced, in one run.

A process holding the resume duty looks for unfinished mirror copies (artifacts) and for ratings left undone
(rating), and every process looks for scans made under older rules (safety); an admin's reset counts what it
removes. Each is timed (wall and CPU, `--rounds` times, each round on a newly opened store, as a new process
would) beside the code it replaced: every artifact record read and validated (`list_all` / `all_records`).
Both must find the same work. The unfinished-mirror index's one-time backfill (a store from before it) is
timed once. Rating jobs are counted, not run (they would rate through the network).

Seeded registries are written as a registration's transaction writes them (`database.create`: record,
claim, snapshot, catalog and name entries, postings), no upstream: one in `--pending-every` has its copy
pending, one in `--hidden-every` is a model waiting for its rating, the rest were never mirrored (skipped).

    python -m bench.startup_resume [--artifacts 10000] [--rounds 3] [--smoke]
    python -m bench.startup_resume --existing DIR [--rounds 3]   # a kept registry, not seeded (it is changed:
                                                                 # index marks and backfills are written)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import results
from package.core.config import MirrorPolicy, Settings, clear_settings_caches
from package.core.storage import Storage, get_storage
from package.core.upstream.sources import SourceKind
from package.routers.artifacts import catalog_db, database, mirror, mirror_db
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType, MirrorState, MirrorStatus
from package.routers.rating import database as rating_db
from package.routers.rating import rater
from package.routers.rating import services as rating_services
from package.routers.safety import services as safety_services

KINDS = [ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE]
SAFETY_MARK = ("SAFETYRULES", "current")  # safety's "every scan is current" mark (its database.py)


def record(n: int, status: MirrorStatus) -> ArtifactRecord:
    """Artifact number n, with its copy in this state."""
    stamp = "2026-01-01T00:00:00.000Z"  # one time for all: the catalog orders them by id
    return ArtifactRecord(
        id=f"bench-{n:08d}",
        name=f"startup-{n}",
        type=KINDS[n % 3],
        url=f"https://huggingface.co/org/m-{n}",
        source_key=f"hf_model:org/m-{n}@",
        source_kind=SourceKind.HF_MODEL,
        repo_id=f"org/m-{n}",
        created_at=stamp,
        updated_at=stamp,
        created_by="bench",
        generation=f"g{n}",
        mirror=MirrorState(status=status),
    )


def seed(storage: Storage, count: int, pending_every: int, hidden_every: int) -> float:
    """Store `count` artifacts; returns how many per second."""
    started = time.perf_counter()
    for n in range(count):
        status = MirrorStatus.PENDING if n % pending_every == 0 else MirrorStatus.SKIPPED
        made = record(n, status)
        hidden = made.type is ArtifactType.MODEL and n % hidden_every == 1
        snapshot = {"source": {"kind": "hf_model", "repo_id": made.repo_id}, "files": []}
        database.create(storage, made, snapshot, None, hidden=hidden)
    return count / max(time.perf_counter() - started, 1e-9)


def timed(fn: Callable[[], int]) -> tuple[int, float, float]:
    """(what `fn` found, wall ms, CPU ms)."""
    wall, cpu = time.perf_counter(), time.process_time()
    found = fn()
    return found, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def open_as_new_process(folder: Path) -> Storage:
    """A newly opened store over `folder`, as `get_storage()` of a new process returns it."""
    os.environ["REGISTRY_DATA_DIR"] = str(folder)
    os.environ["REGISTRY_MIRROR"] = MirrorPolicy.EAGER.value
    clear_settings_caches()
    get_storage.cache_clear()
    return get_storage()


def old_ratings(storage: Storage) -> int:
    """The rating resume before: every record read and validated to find hidden and unrated models."""
    rated, hidden = rating_db.rated_ids(storage), artifact_services.hidden_ids(storage)
    records = artifact_services.all_records(storage, include_hidden=True)
    return sum(1 for r in records if r.type is ArtifactType.MODEL and (r.id in hidden or r.id not in rated))


def new_ratings(queued: list[int]) -> int:
    """The rating resume now (its jobs counted by the pipeline stand-in, not run)."""
    rating_services.resume_background()
    return queued.pop()


def pairs(storage: Storage, queued: list[int]) -> dict[str, tuple[Callable[[], int], Callable[[], int]]]:
    """Each piece of work: (the code it replaced, the code now)."""
    settings = Settings(mirror=MirrorPolicy.EAGER)

    def old_mirrors() -> int:
        return sum(1 for r in database.list_all(storage, include_hidden=True) if mirror.resumable(r))

    def old_safety() -> int:
        storage.records.delete(*SAFETY_MARK)  # as before the mark: every artifact's scans read
        return safety_services.rescan_stale(storage)

    return {
        "mirrors": (old_mirrors, lambda: artifact_services.resume_mirrors(storage, settings)),
        "ratings": (lambda: old_ratings(storage), lambda: new_ratings(queued)),
        "reset_count": (
            lambda: len(database.list_all(storage, include_hidden=True)),
            lambda: catalog_db.artifact_count(storage),
        ),
        "safety_rescan": (old_safety, lambda: safety_services.rescan_stale(storage)),
    }


def measure(folder: Path, rounds: int) -> dict[str, Any]:
    """Every pair `rounds` times, each round on a newly opened store; then the backfill once."""
    queued: list[int] = []
    pipeline = rater.get_pipeline()

    def count_jobs(jobs: list[object], *, window: int) -> None:
        queued.append(len(jobs))

    pipeline.submit_paced = count_jobs  # type: ignore[assignment]
    samples: dict[str, dict[str, list[float]]] = {}
    found: dict[str, tuple[int, int]] = {}
    mirror.get_mirror_queue().submit = lambda *args: None  # type: ignore[method-assign]  # counted, not run
    for _, new in pairs(open_as_new_process(folder), queued).values():
        new()  # one-time work out of the rounds: first-use clients, the backfills of a seeded store
    for _ in range(rounds):
        storage = open_as_new_process(folder)
        for name, (old, new) in pairs(storage, queued).items():
            was, old_wall, old_cpu = timed(old)
            now, new_wall, new_cpu = timed(new)
            found[name] = (was, now)
            for key, value in (
                ("old_wall", old_wall),
                ("old_cpu", old_cpu),
                ("wall", new_wall),
                ("cpu", new_cpu),
            ):
                samples.setdefault(name, {}).setdefault(key, []).append(value)
    load = os.getloadavg()[0]
    figures: dict[str, Any] = {"load_1min": round(load, 2)}
    for name, series in samples.items():
        was, now = found[name]
        if was != now:
            raise SystemExit(f"{name}: the old code found {was}, the new {now}")
        figures[name] = {"found": now} | {
            f"{key}_ms": {
                "median": round(statistics.median(v), 1),
                "min": round(min(v), 1),
                "max": round(max(v), 1),
            }
            for key, v in series.items()
        }
    storage = open_as_new_process(folder)
    storage.records.delete(mirror_db.INDEX.pk, mirror_db.INDEX.sk)  # a store from before the index
    filed, wall, cpu = timed(lambda: sum(len(page) for page in mirror_db.unfinished_pages(storage)))
    figures["mirror_backfill"] = {"filed": filed, "wall_ms": round(wall, 1), "cpu_ms": round(cpu, 1)}
    return figures


def main() -> None:
    """Parse options, seed (or open a kept registry), measure, print and write the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--artifacts", type=int, default=10_000, help="registry size to seed")
    parser.add_argument("--pending-every", type=int, default=100, help="one artifact in N has a copy pending")
    parser.add_argument("--hidden-every", type=int, default=500, help="one in N is a hidden model")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each on a newly opened store")
    parser.add_argument("--existing", type=Path, help="a kept registry's data folder (not seeded)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    options = parser.parse_args()
    rounds = 1 if options.smoke else options.rounds
    count = 300 if options.smoke else options.artifacts
    with tempfile.TemporaryDirectory(prefix="startup-resume-") as scratch:
        folder = options.existing or Path(scratch)
        figures: dict[str, Any] = {}
        if options.existing is None:
            seeded = seed(open_as_new_process(folder), count, options.pending_every, options.hidden_every)
            figures |= {"artifacts": count, "seed_per_second": round(seeded, 1)}
        figures |= measure(folder, rounds)
    for name, value in figures.items():
        print(f"{name:>16}  {value}")
    results.write(
        "startup_resume", figures, options={"rounds": rounds, "existing": str(options.existing or "")}
    )


if __name__ == "__main__":
    main()
