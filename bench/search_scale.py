"""Search at scale: byName, read by id and enumeration pages as the registry grows (indexes vs full scan).

A registry on a temporary embedded storage is seeded THROUGH `artifacts.services.register` (duplicate checks,
the atomic create with its index entries, the audit entry, the artifact event), one registration per artifact.
Only the upstream read is prepared: one real snapshot per kind is captured from the fake hub (tests/fakehub)
with the real adapters, and each registration gets a copy of it naming its own repository (a model, dataset or
code repository per artifact, so 100,000 registrations do not need 100,000 HTTP round trips).

At each size (sizes grow the same registry), with the artifacts domain's own functions (no HTTP):
  by_name         `by_name` of a random existing name (names repeat: every 97th artifact shares one)
  read_by_id      `load` of a random id (the record and its published state)
  page_first / page_middle / page_last   `list_artifacts([{"name": "*"}])` at those cursors
  page_walk       every page of a full enumeration, each timed
  filtered        `[{"name": "*", "types": ["dataset"], "license": "mit"}]` (1 in 30 match), first page
  full_scan_*     the code this replaces, in the same run: every record read and validated (`list_all`),
                  then filtered (byName) or sliced (a page); fewer repetitions, it is slow
Then the same reads over HTTP (`--http`, on by default): a registry server started on the seeded storage
(`--server uvicorn`: one uvicorn process; `--server make-run`: what `make run` starts, nginx in front of
granian workers), one keep-alive client, the spec's routes: `http_by_name` (GET /artifact/byName/{name}),
`http_read_by_id` (GET /artifacts/{type}/{id}), `http_page_first` / `http_page_middle` / `http_page_last`
(POST /artifacts?offset=...). These include what every request pays (routing, the token check, validation,
JSON, the socket); the client runs on the same cores.
Figures are seconds per operation, wall (p50, p99, max) and this thread's CPU time (cpu_p50, cpu_p99,
cpu_max: on a shared machine the wall p99 is mostly waiting for a core; over HTTP it is the client's CPU), and
registrations per second while seeding.

    python -m bench.search_scale --sizes 1000,10000 [--repeats 200] [--no-http] [--smoke]
    python -m bench.search_scale --existing DIR   # a registry seeded before, e.g. by regex_scale --keep DIR
    python -m bench.search_scale --existing DIR --scan-repeats 1 --server make-run
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.latency import summary, timed
from bench.search_http import http_figures
from package.core.auth_middleware import Principal
from package.core.config import MirrorPolicy, Settings
from package.core.storage import Storage, open_storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import SourceKind, SourceRef, parse_source_url
from package.routers.artifacts import database
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactCreate, ArtifactQuery, ArtifactType
from tests.fakehub import FakeHub

TEMPLATES = {
    ArtifactType.MODEL: "https://huggingface.co/google-bert/bert-base-uncased",
    ArtifactType.DATASET: "https://huggingface.co/datasets/rajpurkar/squad",
    ArtifactType.CODE: "https://github.com/openai/whisper",
}
URLS = {
    ArtifactType.MODEL: "https://huggingface.co/bench-org/model-{n}",
    ArtifactType.DATASET: "https://huggingface.co/datasets/bench-org/dataset-{n}",
    ArtifactType.CODE: "https://github.com/bench-org/code-{n}",
}
KINDS = list(URLS)
SHARED_NAME_EVERY = 97
ADMIN = Principal(name="bench", is_admin=True)
EXISTING_START_SECONDS = 1800.0  # a server's start-up on a kept registry of 100,000 artifacts takes minutes


class _PreparedAdapter:
    """Answers `snapshot(source)` with the captured snapshot of the source's kind, naming the source."""

    def __init__(self, templates: dict[SourceKind, Snapshot]) -> None:
        self._templates = templates

    def snapshot(self, source: SourceRef) -> Snapshot:
        """The prepared snapshot, as if read from this source (every 10th under the MIT license)."""
        template = self._templates[source.kind]
        number = int(source.repo_id.rsplit("-", 1)[-1])
        license_id = "mit" if number % 10 == 0 else template.license
        return dataclasses.replace(template, source=source, details={}, license=license_id)


class PreparedUpstreams:
    """The `Upstreams` surface `register` uses, over snapshots captured once from the fake hub."""

    def __init__(self, templates: dict[SourceKind, Snapshot]) -> None:
        self._adapter = _PreparedAdapter(templates)

    def adapter(self, kind: SourceKind) -> _PreparedAdapter:
        """The prepared adapter (one for every kind)."""
        return self._adapter


def capture_templates() -> dict[SourceKind, Snapshot]:
    """One real snapshot per kind, read from the fake hub by the real adapters."""
    with FakeHub() as hub:
        upstreams = Upstreams(Settings(hf_endpoint=hub.hf_url, github_api_url=hub.github_url))
        templates = {}
        for url in TEMPLATES.values():
            source = parse_source_url(url)
            templates[source.kind] = upstreams.adapter(source.kind).snapshot(source)
    return templates


def seed(
    storage: Storage, settings: Settings, upstreams: Any, start: int, stop: int
) -> list[tuple[str, str]]:
    """Register artifacts number start..stop-1 through the service; returns (type, id) of each."""
    made = []
    for n in range(start, stop):
        kind = KINDS[n % 3]
        name = f"shared-{n % 1000}" if n % SHARED_NAME_EVERY == 0 else f"bench-{kind.value}-{n}"
        created = artifact_services.register(
            storage,
            upstreams,
            settings,
            artifact_type=kind,
            body=ArtifactCreate(url=URLS[kind].format(n=n), name=name),
            principal=ADMIN,
            base_url="http://bench.invalid",
        )
        made.append((kind.value, created.metadata.id))
    return made


def _page(storage: Storage, settings: Settings, body: list[ArtifactQuery], offset: str | None) -> Any:
    return artifact_services.list_artifacts(storage, settings, queries=body, offset=offset)


def measure(
    storage: Storage,
    settings: Settings,
    made: list[tuple[str, str]],
    repeats: int,
    scan_repeats: int,
    *,
    shared_names: bool = True,
) -> dict[str, Any]:
    """Every figure at the registry's current size (`shared_names`: seeded here, with names that repeat)."""
    rng = random.Random(len(made))
    everything = [ArtifactQuery(name="*")]
    names = [
        m.name
        for m in artifact_services.list_artifacts(storage, settings, queries=everything, offset=None)[0]
    ]
    walk_times, walk_cpu, cursors, offset = [], [], [None], None
    while True:
        started, cpu_started = time.perf_counter(), time.thread_time()
        _, offset = _page(storage, settings, everything, offset)
        walk_times.append(time.perf_counter() - started)
        walk_cpu.append(time.thread_time() - cpu_started)
        if offset is None:
            break
        cursors.append(offset)

    def pick_name() -> str:
        if not shared_names:
            return rng.choice(names)
        return rng.choice(names) if rng.random() < 0.5 else f"shared-{rng.randrange(0, len(made), 97) % 1000}"

    figures: dict[str, Any] = {
        "artifacts": len(made),
        "pages": len(cursors),
        "by_name": timed(lambda: _by_name(storage, pick_name()), repeats),
        "read_by_id": timed(lambda: artifact_services.load(storage, *_typed(rng.choice(made))), repeats),
        "page_first": timed(lambda: _page(storage, settings, everything, cursors[0]), repeats),
        "page_middle": timed(
            lambda: _page(storage, settings, everything, cursors[len(cursors) // 2]), repeats
        ),
        "page_last": timed(lambda: _page(storage, settings, everything, cursors[-1]), repeats),
        "page_walk": summary(walk_times, walk_cpu),
        "filtered": timed(lambda: _page(storage, settings, _filtered(), None), repeats),
        "full_scan_by_name": timed(lambda: _old_by_name(storage, pick_name()), scan_repeats),
        "full_scan_page": timed(lambda: database.list_all(storage)[: settings.page_size], scan_repeats),
    }
    figures["filtered_first_page_matches"] = len(_page(storage, settings, _filtered(), None)[0])
    figures["_cursors"], figures["_names"] = cursors, names
    figures["speedup_by_name_p50"] = figures["full_scan_by_name"]["p50"] / figures["by_name"]["p50"]
    figures["speedup_page_p50"] = figures["full_scan_page"]["p50"] / figures["page_middle"]["p50"]
    return figures


def _filtered() -> list[ArtifactQuery]:
    return [ArtifactQuery(name="*", types=[ArtifactType.DATASET], license="mit")]


def _typed(made: tuple[str, str]) -> tuple[ArtifactType, str]:
    return ArtifactType(made[0]), made[1]


def _by_name(storage: Storage, name: str) -> None:
    artifact_services.by_name(storage, name=name)


def _old_by_name(storage: Storage, name: str) -> list[Any]:
    """byName as it was: every record read and validated, then compared."""
    return [r.metadata for r in database.list_all(storage) if r.name == name]


def run(
    sizes: list[int], repeats: int, scan_repeats: int, data_dir: Path, *, http: bool, server: str = "uvicorn"
) -> dict[str, Any]:
    """Seed up to each size in turn and measure there."""
    settings = Settings(data_dir=data_dir, mirror=MirrorPolicy.OFF, async_rating=False)
    storage = open_storage(settings)
    upstreams = PreparedUpstreams(capture_templates())
    made: list[tuple[str, str]] = []
    results: dict[str, Any] = {}
    for size in sizes:
        started, before = time.perf_counter(), len(made)
        made += seed(storage, settings, upstreams, len(made), size)
        seeded = time.perf_counter() - started
        figures = measure(storage, settings, made, repeats, scan_repeats)
        figures["seed_per_second"] = (len(made) - before) / max(seeded, 1e-9)
        if http:
            http_figures(data_dir, made, figures, repeats, server=server)
        del figures["_cursors"], figures["_names"]
        results[str(size)] = figures
        _print(size, figures)
    return results


def existing(
    data_dir: Path, repeats: int, scan_repeats: int, *, http: bool, server: str = "uvicorn"
) -> dict[str, Any]:
    """Measure on a registry already stored in `data_dir` (e.g. one `bench.regex_scale --keep` seeded)."""
    settings = Settings(data_dir=data_dir, mirror=MirrorPolicy.OFF, async_rating=False)
    storage = open_storage(settings)
    made: list[tuple[str, str]] = []
    offset: str | None = None
    while True:  # every published artifact, through the enumeration the figures time
        page, offset = _page(storage, settings, [ArtifactQuery(name="*")], offset)
        made += [(m.type.value, m.id) for m in page]
        if offset is None:
            break
    figures = measure(storage, settings, made, repeats, scan_repeats, shared_names=False)
    figures["seed_per_second"] = None
    if http:
        _print(len(made), figures)  # the service's figures, before the server's long start-up
        http_figures(data_dir, made, figures, repeats, start_timeout=EXISTING_START_SECONDS, server=server)
    del figures["_cursors"], figures["_names"]
    _print(len(made), figures)
    return {str(len(made)): figures}


def _print(size: int, figures: dict[str, Any]) -> None:
    print(f"--- {size:,} artifacts ({figures['pages']} pages of enumeration)")
    for key, value in figures.items():
        if isinstance(value, dict):
            p50, p99, cpu99 = (value[k] * 1000 for k in ("p50", "p99", "cpu_p99"))
            count = value["count"]
            print(f"  {key:18s} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  cpu p99 {cpu99:8.2f} ms  (n={count})")
    if figures["seed_per_second"] is not None:
        print(f"  seeding {figures['seed_per_second']:.0f} registrations/s")
    by_name, page = figures["speedup_by_name_p50"], figures["speedup_page_p50"]
    print(f"  p50 speedup vs full scan: byName {by_name:.0f}x, page {page:.0f}x")


def main(argv: list[str] | None = None) -> None:
    """Parse options, run, print and write bench/results/search_scale.json."""
    from bench.results import write

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="registry sizes, ascending, comma-separated")
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per indexed operation")
    parser.add_argument("--scan-repeats", type=int, default=5, help="timed calls per full-scan operation")
    parser.add_argument(
        "--http", action=argparse.BooleanOptionalAction, default=True, help="also time the reads over HTTP"
    )
    parser.add_argument(
        "--server",
        choices=("uvicorn", "make-run"),
        default="uvicorn",
        help="the server of the HTTP pass: one uvicorn process, or `make run`'s nginx in front of granian",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument(
        "--existing",
        type=Path,
        help="no seeding: measure the embedded registry stored in this data folder (e.g. the one "
        "`python -m bench.regex_scale --keep DIR` seeded); --sizes is ignored",
    )
    options = parser.parse_args(argv)
    sizes = [60, 150] if options.smoke else sorted(int(s) for s in options.sizes.split(","))
    repeats, scan_repeats = (5, 2) if options.smoke else (options.repeats, options.scan_repeats)
    http, server = options.http, options.server
    if options.existing is not None:
        results = existing(options.existing, repeats, scan_repeats, http=http, server=server)
    else:
        with tempfile.TemporaryDirectory(prefix="search-scale-") as folder:
            results = run(sizes, repeats, scan_repeats, Path(folder), http=http, server=server)
    chosen = {"sizes": sizes, "repeats": repeats, "scan_repeats": scan_repeats, "http": options.http}
    chosen["server"] = options.server
    chosen["existing"] = str(options.existing) if options.existing is not None else None
    write("search_scale", results, options=chosen)


if __name__ == "__main__":
    main()
