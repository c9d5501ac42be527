"""Rare filters at scale: a rare license in `POST /artifacts` and a rare user in `GET /audit`, scan vs index.

A registry on a temporary embedded storage is seeded THROUGH `artifacts.services.register` (as
bench.search_scale does: one real snapshot per kind captured from the fake hub, copied per repository). One
artifact in `--rare-every` carries a license no other has, and is registered by a user no other registration
is (so the audit log holds one CREATE entry of that user per rare artifact among every other CREATE).

Then, in the same run, each listing is walked to its end by following the `offset` cursors, twice:
  scan   the filter applied while reading the whole catalog / log within the scan budget (the code before
         the indexes: `use_license_index=False`, `use_index=False`)
  index  the license index (CATLIC#<type>#<license>) / the audit user index (AUDITUSER#<user>)
and for each: pages, near-empty pages (fewer entries than a full page, before the last), matches, the median
wall time of a whole walk (`--repeats` walks) and of each page (p50, p99, max) and this thread's CPU time.
The store's start-up migrations run first, as the app's start-up runs them, so no walk pays for a backfill.

    python -m bench.filter_scale --artifacts 10000 [--rare-every 1000] [--scan-budget N] [--smoke]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.latency import summary
from bench.search_scale import KINDS, URLS, capture_templates
from package.core.auth_middleware import Principal
from package.core.config import MirrorPolicy, Settings
from package.core.storage import Storage, open_storage
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import SourceKind, SourceRef
from package.routers.artifacts import audit, migrations, queries
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactCreate, ArtifactQuery

RARE_LICENSE = "rare-license-1.0"
RARE_USER = Principal(name="rare-user", is_admin=True)
ADMIN = Principal(name="bench", is_admin=True)
Page = Callable[[str | None], tuple[int, str | None]]  # one page from a cursor: (entries, next cursor)


class _RareLicenseAdapter:
    """Answers `snapshot(source)` with the captured snapshot of its kind: the rare license for rare ones."""

    def __init__(self, templates: dict[SourceKind, Snapshot], rare_every: int) -> None:
        self._templates, self._rare_every = templates, rare_every

    def snapshot(self, source: SourceRef) -> Snapshot:
        """The prepared snapshot, as if read from this source."""
        number = int(source.repo_id.rsplit("-", 1)[-1])
        license_id = RARE_LICENSE if number % self._rare_every == 0 else "apache-2.0"
        return dataclasses.replace(
            self._templates[source.kind], source=source, details={}, license=license_id
        )


class RareUpstreams:
    """The `Upstreams` surface `register` uses, over prepared snapshots."""

    def __init__(self, templates: dict[SourceKind, Snapshot], rare_every: int) -> None:
        self._adapter = _RareLicenseAdapter(templates, rare_every)

    def adapter(self, kind: SourceKind) -> _RareLicenseAdapter:
        """The prepared adapter (one for every kind)."""
        return self._adapter


def seed(storage: Storage, settings: Settings, count: int, rare_every: int) -> float:
    """Register `count` artifacts through the service; returns registrations per second."""
    upstreams = RareUpstreams(capture_templates(), rare_every)
    started = time.perf_counter()
    for n in range(count):
        kind = KINDS[n % 3]
        artifact_services.register(
            storage,
            upstreams,  # type: ignore[arg-type]  # the prepared surface of Upstreams that register uses
            settings,
            artifact_type=kind,
            body=ArtifactCreate(url=URLS[kind].format(n=n), name=f"filter-{kind.value}-{n}"),
            principal=RARE_USER if n % rare_every == 0 else ADMIN,
            base_url="http://bench.invalid",
        )
    return count / max(time.perf_counter() - started, 1e-9)


def walk(page: Page, page_size: int, repeats: int) -> dict[str, Any]:
    """Follow the cursors to the end, `repeats` times: pages, near-empty pages and matches of a walk, the
    median wall time of a whole walk, and the time of each page (every walk's pages together)."""
    wall, cpu, walks = [], [], []
    sizes: list[int] = []
    for _ in range(repeats):
        sizes, cursor, started = [], None, time.perf_counter()
        while True:
            page_started, cpu_started = time.perf_counter(), time.thread_time()
            found, cursor = page(cursor)
            wall.append(time.perf_counter() - page_started)
            cpu.append(time.thread_time() - cpu_started)
            sizes.append(found)
            if cursor is None:
                break
        walks.append(time.perf_counter() - started)
    return {
        "pages": len(sizes),
        "near_empty_pages": sum(1 for s in sizes[:-1] if s < page_size),
        "matches": sum(sizes),
        "walk_seconds": statistics.median(walks),
        "page": summary(wall, cpu),
    }


def measure(storage: Storage, settings: Settings, audit_limit: int, repeats: int) -> dict[str, Any]:
    """The rare license listing and the rare user's audit entries, walked by scan and by index."""
    body = [ArtifactQuery(name="*", license=RARE_LICENSE.upper())]  # any case: the filter ignores it

    def listing(use_index: bool) -> Page:
        def page(cursor: str | None) -> tuple[int, str | None]:
            found, following = queries.list_artifacts(
                storage, settings, queries=body, offset=cursor, use_license_index=use_index
            )
            return len(found), following

        return page

    def audit_log(use_index: bool) -> Page:
        wanted = audit.AuditFilter(user=RARE_USER.name)

        def page(cursor: str | None) -> tuple[int, str | None]:
            found, following = audit.entries(
                storage, wanted, offset=cursor, limit=audit_limit, use_index=use_index
            )
            return len(found), following

        return page

    figures: dict[str, Any] = {}
    for label, make, size in (
        ("license", listing, settings.page_size),
        ("audit_user", audit_log, audit_limit),
    ):
        scan, index = walk(make(False), size, repeats), walk(make(True), size, repeats)
        figures[label] = {"scan": scan, "index": index}
        figures[label]["speedup_walk"] = scan["walk_seconds"] / max(index["walk_seconds"], 1e-9)
    return figures


def _print(figures: dict[str, Any]) -> None:
    print(f"--- {figures['artifacts']:,} artifacts, 1 in {figures['rare_every']:,} rare")
    for label in ("license", "audit_user"):
        for how in ("scan", "index"):
            walked = figures[label][how]
            p50, p99 = (walked["page"][k] * 1000 for k in ("p50", "p99"))
            print(
                f"  {label:10s} {how:5s} {walked['pages']:4d} pages ({walked['near_empty_pages']} near-empty)"
                f" {walked['matches']:5d} matches  walk {walked['walk_seconds'] * 1000:9.1f} ms"
                f"  page p50 {p50:8.2f} ms p99 {p99:8.2f} ms"
            )
        print(f"  {label:10s} walk speedup {figures[label]['speedup_walk']:.1f}x")
    print(f"  seeding {figures['seed_per_second']:.0f} registrations/s")


def main() -> None:
    """Parse options, seed, walk, print and write bench/results/filter_scale.json."""
    from bench.results import write

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--artifacts", type=int, default=10_000, help="registry size (seeded via services)")
    parser.add_argument("--rare-every", type=int, default=1_000, help="one artifact in N is the rare one")
    parser.add_argument("--audit-limit", type=int, default=100, help="`limit` of each GET /audit page")
    parser.add_argument(
        "--scan-budget", type=int, help="entries a scan reads per request (default: the code's)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="walks of each listing (median reported)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    options = parser.parse_args()
    count, rare_every = (240, 40) if options.smoke else (options.artifacts, options.rare_every)
    budget = 60 if options.smoke else options.scan_budget
    if budget is not None:  # smaller than the registry, so the scan's paging shows at a smoke size too
        queries.SCAN_BUDGET_ENTRIES = audit.SCAN_BUDGET_ENTRIES = budget
        queries.SCAN_BATCH, audit.SCAN_BATCH = min(queries.SCAN_BATCH, budget), min(audit.SCAN_BATCH, budget)
    audit_limit = 3 if options.smoke else options.audit_limit
    repeats = 2 if options.smoke else options.repeats
    with tempfile.TemporaryDirectory(prefix="filter-scale-") as folder:
        settings = Settings(
            data_dir=Path(folder),
            mirror=MirrorPolicy.OFF,
            async_rating=False,
            page_size=3 if options.smoke else 100,
        )
        storage = open_storage(settings)
        migrations.run(storage)  # what the app's start-up does: the indexes are complete from the start
        seeded = seed(storage, settings, count, rare_every)
        figures = {"artifacts": count, "rare_every": rare_every, "seed_per_second": seeded}
        figures |= measure(storage, settings, audit_limit, repeats)
    _print(figures)
    write(
        "filter_scale",
        figures,
        options={
            "artifacts": count,
            "rare_every": rare_every,
            "scan_budget": budget,
            "audit_limit": audit_limit,
            "repeats": repeats,
        },
    )


if __name__ == "__main__":
    main()
