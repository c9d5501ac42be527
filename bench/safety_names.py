"""The safety domain's name check per registration as the registry grows: name index vs full comparison.

A registry on a temporary embedded storage is seeded THROUGH `artifacts.services.register` with the prepared
snapshots of bench/search_scale.py; each registration's name index entry is written as the safety hook writes
it (NameIndex.put). At each size (sizes grow the same registry), per probe (a one-character typo of a
registered name, under a new id and repository):
  new        the hook's name work now: put the entry (log included), collect the targets from the index,
             names.confusions, save the findings
  old        the code this replaces, in the same run: every record read and validated (`all_records`), every
             name and repo id folded and compared, the findings saved
  load       a fresh process's first use: its copy of the index read from storage (seconds, once)
Both paths must give the same findings for every probe (`same_findings`; `findings_per_probe`: how many
look-alikes a probe had, capped at 3 by the check: the dense synthetic names give more as the registry fills).
Figures are seconds per probe, wall and this thread's CPU time (p50, p99, max).

    python -m bench.safety_names --sizes 1000,10000 [--repeats 100] [--smoke]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.search_scale import PreparedUpstreams, capture_templates, seed, summary
from package.core.config import MirrorPolicy, Settings
from package.core.storage import Storage, open_storage
from package.routers.artifacts import services as artifact_services
from package.routers.safety import database, names
from package.routers.safety.interface import Finding
from package.routers.safety.lookalikes import NameIndex, entry_of

DISTANCE = 2  # REGISTRY_SAFETY_NAME_DISTANCE's default


def _index_new(storage: Storage, index: NameIndex, made: list[tuple[str, str]]) -> None:
    records = artifact_services.records_by_id(storage, [artifact_id for _, artifact_id in made])
    for record in records.values():
        index.put(
            storage, _entry(record.id, record.name, record.repo_id, record.type.value, record.created_at)
        )


def _entry(artifact_id: str, name: str, repo_id: str, kind: str, created_at: str) -> dict[str, Any]:
    return entry_of(artifact_id=artifact_id, name=name, repo_id=repo_id, kind=kind, created_at=created_at)


def new_path(storage: Storage, index: NameIndex, probe: dict[str, Any]) -> list[Finding]:
    """The hook's name work through the index."""
    index.put(storage, probe)
    id_targets, name_targets = index.targets(
        storage, artifact_id=probe["id"], name=probe["name"], repo_id=probe["repo_id"], distance=DISTANCE
    )
    found = names.confusions(
        name=probe["name"], repo_id=probe["repo_id"], id_targets=id_targets, name_targets=name_targets,
        distance=DISTANCE,
    )  # fmt: skip
    database.save_name_findings(storage, probe["id"], "g", found)
    return found


def old_path(storage: Storage, probe: dict[str, Any]) -> list[Finding]:
    """The hook's name work as it was: every registered artifact compared."""
    id_targets, name_targets = names.popular_targets()
    for other in artifact_services.all_records(storage, include_hidden=True):
        if other.id != probe["id"]:
            label = f"registered {other.type.value} {other.name!r} ({other.id})"
            id_targets.append(names.Target(other.repo_id, label))
            name_targets.append(names.Target(other.name, label))
    found = names.confusions(
        name=probe["name"], repo_id=probe["repo_id"], id_targets=id_targets, name_targets=name_targets,
        distance=DISTANCE,
    )  # fmt: skip
    database.save_name_findings(storage, probe["id"], "g", found)
    return found


def measure(
    storage: Storage, index: NameIndex, repeats: int, old_repeats: int, seed_n: int
) -> dict[str, Any]:
    """Time both paths over the same probes at the current size."""
    rng = random.Random(seed_n)
    records = artifact_services.all_records(storage, include_hidden=True)
    times: dict[str, tuple[list[float], list[float]]] = {"new": ([], []), "old": ([], [])}
    same, findings = True, 0
    for n in range(repeats):
        base = rng.choice(records)
        at = rng.randrange(len(base.name))
        name = base.name[:at] + "x" + base.name[at + 1 :]
        probe = _entry(f"probe-{seed_n}-{n}", name, f"probe-org/{name}", "model", "9999-12-31T00:00:00Z")
        started, cpu = time.perf_counter(), time.thread_time()
        found = new_path(storage, index, probe)
        findings += len(found)
        times["new"][0].append(time.perf_counter() - started)
        times["new"][1].append(time.thread_time() - cpu)
        index.remove(storage, probe["id"])  # the probe is not registered: the next one must not see it
        if n < old_repeats:
            started, cpu = time.perf_counter(), time.thread_time()
            same = same and old_path(storage, probe) == found
            times["old"][0].append(time.perf_counter() - started)
            times["old"][1].append(time.thread_time() - cpu)
    started = time.perf_counter()
    NameIndex().ensure(storage)
    figures: dict[str, Any] = {key: summary(*pair) for key, pair in times.items()}
    figures |= {
        "artifacts": len(records),
        "load": time.perf_counter() - started,
        "same_findings": same,
        "findings_per_probe": findings / max(repeats, 1),
        "speedup_p50": figures["old"]["p50"] / max(figures["new"]["p50"], 1e-9),
    }
    return figures


def run(sizes: list[int], repeats: int, old_repeats: int, data_dir: Path) -> dict[str, Any]:
    """Seed up to each size in turn and measure there."""
    settings = Settings(data_dir=data_dir, mirror=MirrorPolicy.OFF, async_rating=False)
    storage = open_storage(settings)
    upstreams = PreparedUpstreams(capture_templates())
    index = NameIndex()
    index.ensure(storage)
    made: list[tuple[str, str]] = []
    results: dict[str, Any] = {}
    for size in sizes:
        batch = seed(storage, settings, upstreams, len(made), size)
        _index_new(storage, index, batch)
        made += batch
        figures = measure(storage, index, repeats, old_repeats, size)
        results[str(size)] = figures
        new, old = figures["new"], figures["old"]
        print(
            f"--- {size:,} artifacts: new p50 {new['p50'] * 1000:.2f} ms p99 {new['p99'] * 1000:.2f} ms | "
            f"old p50 {old['p50'] * 1000:.2f} ms p99 {old['p99'] * 1000:.2f} ms | "
            f"{figures['speedup_p50']:.0f}x | load {figures['load']:.2f} s | "
            f"same {figures['same_findings']} | findings {figures['findings_per_probe']:.1f}"
        )
    return results


def main() -> None:
    """Parse options, run, print and write bench/results/safety_names.json."""
    from bench.results import write

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="registry sizes, ascending, comma-separated")
    parser.add_argument("--repeats", type=int, default=100, help="probes timed through the index per size")
    parser.add_argument("--old-repeats", type=int, default=10, help="of those, also timed the old way")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    options = parser.parse_args()
    sizes = [30, 90] if options.smoke else sorted(int(s) for s in options.sizes.split(","))
    repeats, old_repeats = (5, 3) if options.smoke else (options.repeats, options.old_repeats)
    with tempfile.TemporaryDirectory(prefix="safety-names-") as folder:
        results = run(sizes, repeats, old_repeats, Path(folder))
    write("safety_names", results, options={"sizes": sizes, "repeats": repeats, "old_repeats": old_repeats})


if __name__ == "__main__":
    main()
