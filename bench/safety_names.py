"""The safety domain's name check per registration as the registry grows: segment index, linear pass, full.

A registry on a temporary embedded storage is seeded THROUGH `artifacts.services.register` with the prepared
snapshots of bench/search_scale.py; each registration's name index entry is written as the safety hook writes
it (NameIndex.put). At each size (sizes grow the same registry), per probe (a one-character typo of a
registered name, under a new id and repository):
  new        the hook's name work now: put the entry (log included), collect the targets from the index (its
             edit-distance candidates from the segment index, segments.SegmentIndex), names.confusions, save
             the findings
  linear     the same with the edit-distance pass it replaces (segments.LengthScan: every registered skeleton
             of a length within the allowed edits compared, in C++), in the same run
  old        the full comparison before any index: every record read and validated (`all_records`), every
             name and repo id folded and compared, the findings saved
  load       a fresh process's first use: its copy of the index read from storage (seconds, once), and the
             memory that copy holds (`memory_mb`, tracemalloc, in a second load), for both indexes
All paths must give the same findings for every probe (`same_findings`; `findings_per_probe`: how many
look-alikes a probe had, capped at 3 by the check: the dense synthetic names give more as the registry fills).
Figures are seconds per probe, wall and this thread's CPU time (p50, p99, max).

    python -m bench.safety_names --sizes 1000,10000 [--repeats 100] [--old-repeats 10] [--smoke]
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.latency import summary
from bench.search_scale import PreparedUpstreams, capture_templates, seed
from package.core.config import MirrorPolicy, Settings
from package.core.storage import Storage, open_storage
from package.routers.artifacts import services as artifact_services
from package.routers.safety import database, names
from package.routers.safety.interface import Finding
from package.routers.safety.lookalikes import NameIndex, NearFactory, entry_of
from package.routers.safety.segments import LengthScan, SegmentIndex

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


def _timed(work: Callable[[], list[Finding]], into: tuple[list[float], list[float]]) -> list[Finding]:
    started, cpu = time.perf_counter(), time.thread_time()
    found = work()
    into[0].append(time.perf_counter() - started)
    into[1].append(time.thread_time() - cpu)
    return found


def probe_once(storage: Storage, indexes: dict[str, NameIndex], probe: dict[str, Any], *, old: bool) -> Any:
    """One probe through each index (each caught up first, untimed), and the full comparison if `old`."""
    times: dict[str, tuple[list[float], list[float]]] = {key: ([], []) for key in (*indexes, "old")}
    found: dict[str, list[Finding]] = {}
    for key, index in indexes.items():
        index.ensure(storage)  # the other index's put and remove: not this path's work
        found[key] = _timed(partial(new_path, storage, index, probe), times[key])
        index.remove(storage, probe["id"])  # the probe is not registered: the next one must not see it
    if old:
        found["old"] = _timed(partial(old_path, storage, probe), times["old"])
    return times, found


def load(storage: Storage, near: NearFactory) -> tuple[float, float]:
    """A fresh process's load of its copy: (seconds, megabytes it holds, traced in a second load)."""
    started = time.perf_counter()
    NameIndex(near, DISTANCE).ensure(storage)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = NameIndex(near, DISTANCE)
        index.ensure(storage)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return seconds, held / 1e6


def measure(storage: Storage, repeats: int, old_repeats: int, seed_n: int) -> dict[str, Any]:
    """Time the three paths over the same probes at the current size."""
    rng = random.Random(seed_n)
    records = artifact_services.all_records(storage, include_hidden=True)
    indexes = {"new": NameIndex(SegmentIndex, DISTANCE), "linear": NameIndex(LengthScan, DISTANCE)}
    times: dict[str, tuple[list[float], list[float]]] = {key: ([], []) for key in (*indexes, "old")}
    same, findings = True, 0
    for n in range(repeats):
        base = rng.choice(records)
        at = rng.randrange(len(base.name))
        name = base.name[:at] + "x" + base.name[at + 1 :]
        probe = _entry(f"probe-{seed_n}-{n}", name, f"probe-org/{name}", "model", "9999-12-31T00:00:00Z")
        taken, found = probe_once(storage, indexes, probe, old=n < old_repeats)
        for key, (wall, cpu) in taken.items():
            times[key][0].extend(wall)
            times[key][1].extend(cpu)
        findings += len(found["new"])
        same = same and all(other == found["new"] for other in found.values())
    figures: dict[str, Any] = {key: summary(*pair) for key, pair in times.items()}
    for key, near in (("new", SegmentIndex), ("linear", LengthScan)):
        seconds, megabytes = load(storage, near)
        figures[key] |= {"load": seconds, "memory_mb": megabytes}
    figures |= {
        "artifacts": len(records),
        "load": figures["new"]["load"],
        "same_findings": same,
        "findings_per_probe": findings / max(repeats, 1),
        "speedup_p50": figures["old"]["p50"] / max(figures["new"]["p50"], 1e-9),
        "speedup_over_linear_p50": figures["linear"]["p50"] / max(figures["new"]["p50"], 1e-9),
    }
    return figures


def _line(size: int, figures: dict[str, Any]) -> str:
    new, linear, old = figures["new"], figures["linear"], figures["old"]
    return (
        f"--- {size:,} artifacts (ms p50/p99): segments {new['p50'] * 1000:.2f}/{new['p99'] * 1000:.2f} | "
        f"linear {linear['p50'] * 1000:.2f}/{linear['p99'] * 1000:.2f} | "
        f"full {old['p50'] * 1000:.1f}/{old['p99'] * 1000:.1f} | "
        f"load {new['load']:.2f} s {new['memory_mb']:.0f} MB (linear {linear['load']:.2f} s "
        f"{linear['memory_mb']:.0f} MB) | same {figures['same_findings']} | "
        f"findings {figures['findings_per_probe']:.1f}"
    )


def run(sizes: list[int], repeats: int, old_repeats: int, data_dir: Path) -> dict[str, Any]:
    """Seed up to each size in turn and measure there."""
    settings = Settings(data_dir=data_dir, mirror=MirrorPolicy.OFF, async_rating=False)
    storage = open_storage(settings)
    upstreams = PreparedUpstreams(capture_templates())
    index = NameIndex(SegmentIndex, DISTANCE)
    index.ensure(storage)
    made: list[tuple[str, str]] = []
    results: dict[str, Any] = {}
    for size in sizes:
        batch = seed(storage, settings, upstreams, len(made), size)
        _index_new(storage, index, batch)
        made += batch
        results[str(size)] = measure(storage, repeats, old_repeats, size)
        print(_line(size, results[str(size)]), flush=True)
    return results


def template_names(count: int) -> list[tuple[str, str]]:
    """(name, repo id) as the registry part seeds them: one template, a number apart."""
    kinds = ("model", "dataset", "code")
    return [(f"bench-{kinds[n % 3]}-{n}", f"bench-org/{kinds[n % 3]}-{n}") for n in range(count)]


def hub_like_names(count: int) -> list[tuple[str, str]]:
    """(name, repo id) recombined from the words of the popular list (synthetic, but as varied as a hub's)."""
    rng = random.Random(count)
    words = sorted({w for line in names.popular_repos() for w in re.split(r"[-/_.]", line.lower()) if w})
    made = []
    for _ in range(count):
        name = "-".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.5:
            name += f"-{rng.choice(['v2', '7b', 'base', 'large', 'gguf', str(rng.randint(1, 999))])}"
        made.append((name, f"{rng.choice(words)}{rng.randint(0, 99)}/{name}"))
    return made


def _typo(rng: random.Random, value: str) -> str:
    at = rng.randrange(len(value))
    return value[:at] + "x" + value[at + 1 :]


def _lookups(near: NearFactory, made: list[tuple[str, str]], probes: list[tuple[str, str]]) -> dict[str, Any]:
    """Build one index per field, then time both fields' lookups per probe."""
    started = time.perf_counter()
    fields = [near(DISTANCE), near(DISTANCE)]
    for field, values in zip(fields, zip(*made, strict=True), strict=True):
        for skel in sorted({names.skeleton(value) for value in values}):
            field.add(skel)
    built = time.perf_counter() - started
    tracemalloc.start()  # the same build again, traced: what the two indexes hold
    try:
        traced = [near(DISTANCE), near(DISTANCE)]
        for field, values in zip(traced, zip(*made, strict=True), strict=True):
            for skel in {names.skeleton(value) for value in values}:
                field.add(skel)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    times: tuple[list[float], list[float]] = ([], [])
    for probe in probes:
        wall, cpu = time.perf_counter(), time.thread_time()
        for field, value in zip(fields, probe, strict=True):
            field.near(names.skeleton(value), names.allowed_edits(value, DISTANCE))
        times[0].append(time.perf_counter() - wall)
        times[1].append(time.thread_time() - cpu)
    return summary(*times) | {"build": built, "memory_mb": held / 1e6}


def lookup(sizes: list[int], probes: int) -> dict[str, Any]:
    """The edit-distance lookups alone (name and repo id of a one-character typo), segments vs linear."""
    figures: dict[str, Any] = {}
    for kind, make in (("template", template_names), ("hub_like", hub_like_names)):
        for size in sizes:
            made, rng = make(size), random.Random(size)
            typos = [(_typo(rng, name), _typo(rng, repo_id)) for name, repo_id in rng.choices(made, k=probes)]
            at_size = {
                "new": _lookups(SegmentIndex, made, typos),
                "linear": _lookups(LengthScan, made, typos),
            }
            figures.setdefault(kind, {})[str(size)] = at_size
            print(
                f"--- lookup only, {size:,} {kind} names (ms p50/p99): segments "
                f"{at_size['new']['p50'] * 1000:.3f}/{at_size['new']['p99'] * 1000:.3f} | linear "
                f"{at_size['linear']['p50'] * 1000:.3f}/{at_size['linear']['p99'] * 1000:.3f} | memory "
                f"{at_size['new']['memory_mb']:.1f} MB vs {at_size['linear']['memory_mb']:.1f} MB | build "
                f"{at_size['new']['build']:.2f} s vs {at_size['linear']['build']:.2f} s",
                flush=True,
            )
    return figures


def _sizes(text: str) -> list[int]:
    return sorted(int(size) for size in text.split(","))


def main() -> None:
    """Parse options, run, print and write bench/results/safety_names.json."""
    from bench.results import write

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="registry sizes, ascending, comma-separated")
    parser.add_argument("--repeats", type=int, default=100, help="probes timed through the index per size")
    parser.add_argument("--old-repeats", type=int, default=10, help="of those, also timed the old way")
    parser.add_argument("--lookup-sizes", default="", help="sizes of the lookup-only part (default: --sizes)")
    parser.add_argument("--lookups", type=int, default=200, help="probes per size of the lookup-only part")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    options = parser.parse_args()
    sizes = [30, 90] if options.smoke else _sizes(options.sizes)
    repeats, old_repeats = (5, 3) if options.smoke else (options.repeats, options.old_repeats)
    lookup_sizes = sizes if options.smoke or not options.lookup_sizes else _sizes(options.lookup_sizes)
    results: dict[str, Any] = {"lookup": lookup(lookup_sizes, 20 if options.smoke else options.lookups)}
    with tempfile.TemporaryDirectory(prefix="safety-names-") as folder:
        results |= run(sizes, repeats, old_repeats, Path(folder))
    write(
        "safety_names",
        results,
        options={
            "sizes": sizes,
            "lookup_sizes": lookup_sizes,
            "repeats": repeats,
            "old_repeats": old_repeats,
        },
    )


if __name__ == "__main__":
    main()
