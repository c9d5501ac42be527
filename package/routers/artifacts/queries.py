"""Finding artifacts: the spec's paged queries and exact names (regular expressions: regex_query.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from package.core.config import Settings
from package.core.errors import BadRequest
from package.core.storage import Record, Storage
from package.routers.artifacts import catalog_db
from package.routers.artifacts.errors import ArtifactNotFound, TooManyMatches
from package.routers.artifacts.interface import ArtifactMetadata, ArtifactQuery, ArtifactType
from package.routers.artifacts.paging import Position, encode_cursor, parse_position
from package.routers.artifacts.regex_query import by_regex as by_regex  # its own module; found here too

# A filtered listing reads the catalog forward until its page is full or this much is read; then it answers
# a short page with an `offset` (only a page without one ends the listing), so no request scans the registry.
SCAN_BUDGET_ENTRIES = 5_000
SCAN_BUDGET_SECONDS = 0.05
SCAN_BATCH = 500
NAME_BATCH = 1_000
MAX_MERGED_PARTITIONS = 12  # more (many licenses OR'ed): one catalog scan reads less than many merged

# Net scores by artifact id, for `min_net_score`: the rating domain provides them (services.add_score_source),
# so this domain never reads another domain's storage. A source is asked only about one page's candidates.
ScoreSource = Callable[[Storage, Sequence[str]], dict[str, float]]
_score_sources: list[ScoreSource] = []
Batches = Iterator[tuple[list[Record], bool]]  # catalog entries in order, and whether they were the last


def add_score_source(source: ScoreSource) -> None:
    """Let a domain provide current net scores for the `min_net_score` filter (idempotent)."""
    if source not in _score_sources:
        _score_sources.append(source)


def _net_scores(storage: Storage, artifact_ids: Sequence[str]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for source in _score_sources:
        scores.update(source(storage, artifact_ids))
    return scores


def list_artifacts(
    storage: Storage,
    settings: Settings,
    *,
    queries: list[ArtifactQuery],
    offset: str | None,
    use_license_index: bool = True,
) -> tuple[list[ArtifactMetadata], str | None]:
    """One page of the artifacts matching any query, and the next page's offset (None on the last).

    `use_license_index=False` filters licenses while scanning the catalog (the benchmark's baseline).
    """
    if not queries:
        raise BadRequest("The body must be a non-empty array of artifact queries.")
    position = parse_position(offset)
    catalog_db.ensure_indexes(storage)
    if all(q.name != "*" for q in queries):
        batches = _named_batches(storage, settings, {q.name for q in queries}, position.after)
    else:
        start = _created_after_start(queries)
        after = max(position.after or "", start or "") or None
        batch = settings.page_size + 1 if _unfiltered(queries) else SCAN_BATCH
        partitions = _partitions(queries, by_license=use_license_index)
        batches = catalog_db.merged_pages(storage, partitions, after=after, batch=batch)
    return _collect(storage, settings, queries, batches, position)


def _unfiltered(queries: list[ArtifactQuery]) -> bool:
    return all(q == ArtifactQuery(name="*") for q in queries)


def _partitions(queries: list[ArtifactQuery], *, by_license: bool) -> list[str]:
    """The fewest index partitions that hold every possible match (disjoint ones, merged in catalog order).

    A `license` in every query reads that license's partition of each type asked for (all three without
    `types`); else `types` in every query reads those types' catalogs; else the whole catalog.
    """
    wanted: set[str] = set()
    if by_license and all(q.license is not None for q in queries):
        for query in queries:
            for artifact_type in query.types or list(ArtifactType):
                wanted.add(catalog_db.license_partition(artifact_type, query.license or ""))
    elif all(q.types for q in queries):
        wanted = {catalog_db.type_catalog(t) for q in queries for t in q.types or ()}
        if len(wanted) == len(ArtifactType):
            wanted = set()  # every type: the whole catalog is one read instead of three merged
    if not wanted or len(wanted) > MAX_MERGED_PARTITIONS:
        return [catalog_db.CATALOG]
    return sorted(wanted)


def _named_batches(storage: Storage, settings: Settings, names: set[str], after: str | None) -> Batches:
    """The entries of a few exact names, merged into catalog order (413 when one name has too many)."""
    merged: dict[str, Record] = {}
    for name in names:
        found = _all_named(storage, name, after, stop=settings.max_query_results)
        if len(found) > settings.max_query_results:
            raise TooManyMatches(
                f"Over {settings.max_query_results} artifacts are named {name!r}; query '*' with filters."
            )
        merged |= {r.sk: r for r in found}
    yield [merged[sk] for sk in sorted(merged)], True


def _all_named(storage: Storage, name: str, after: str | None, *, stop: int | None = None) -> list[Record]:
    found: list[Record] = []
    while page := catalog_db.named_page(storage, name, after=after, limit=NAME_BATCH):
        found += [r for r in page if not r.item.get("hidden")]
        if len(page) < NAME_BATCH or (stop is not None and len(found) > stop):
            break
        after = page[-1].sk
    return found


def _created_after_start(queries: list[ArtifactQuery]) -> str | None:
    """A catalog key below which no artifact can match: every query wants registrations after a time."""
    if any(q.created_after is None for q in queries):
        return None
    earliest = min(_aware(q.created_after) for q in queries if q.created_after is not None)
    try:  # catalog keys start with the registration time as now_iso() writes it (UTC, milliseconds, Z)
        stamp = earliest.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except OverflowError:  # a time at the edge of the calendar: start at the beginning
        return None
    return f"{stamp}#\U0010ffff"


def _collect(
    storage: Storage, settings: Settings, queries: list[ArtifactQuery], batches: Batches, position: Position
) -> tuple[list[ArtifactMetadata], str | None]:
    """Fill a page from the batches, within the scan budget; the cursor resumes after the last entry read."""
    page: list[ArtifactMetadata] = []
    skip, scanned, deadline = position.skip, 0, time.monotonic() + SCAN_BUDGET_SECONDS
    for records, last in batches:
        scores = _scores_for(storage, queries, records)
        for index, record in enumerate(records):
            if record.item.get("hidden") or not any(_matches(q, record.item, scores) for q in queries):
                continue
            if skip:
                skip -= 1
                continue
            page.append(_metadata(record))
            if len(page) == settings.page_size:
                more = index + 1 < len(records) or not last
                return page, (encode_cursor(record.sk) if more else None)
        scanned += len(records)
        if last:
            return page, None
        over = scanned >= SCAN_BUDGET_ENTRIES or time.monotonic() > deadline
        if over and not skip and not _unfiltered(queries):  # unfiltered: every entry read is on the page
            return page, encode_cursor(records[-1].sk)
    return page, None


def _scores_for(storage: Storage, queries: list[ArtifactQuery], records: list[Record]) -> dict[str, float]:
    """Net scores of the entries that pass every other filter of a `min_net_score` query."""
    scored = [q.model_copy(update={"min_net_score": None}) for q in queries if q.min_net_score is not None]
    candidates = [
        r.item["id"]
        for r in records
        if not r.item.get("hidden") and any(_matches(q, r.item, {}) for q in scored)
    ]
    return _net_scores(storage, candidates) if candidates else {}


def _matches(query: ArtifactQuery, item: dict[str, Any], scores: dict[str, float]) -> bool:
    if query.types and ArtifactType(item["type"]) not in query.types:
        return False
    if query.name != "*" and query.name != item["name"]:
        return False
    if query.license is not None and (item.get("license") or "").lower() != query.license.lower():
        return False
    if query.min_net_score is not None and scores.get(item["id"], -1.0) < query.min_net_score:
        return False
    return query.created_after is None or _aware(item["created_at"]) > _aware(query.created_after)


def _metadata(entry: Record) -> ArtifactMetadata:
    return ArtifactMetadata(name=entry.item["name"], id=entry.item["id"], type=entry.item["type"])


def _aware(moment: str | datetime) -> datetime:
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def by_name(storage: Storage, *, name: str) -> list[ArtifactMetadata]:
    """Every artifact with exactly this name (case-sensitive), oldest first: one name index partition."""
    if not name.strip() or name == "*":
        raise BadRequest("Give an artifact name; '*' is reserved for enumerating with POST /artifacts.")
    catalog_db.ensure_indexes(storage)
    found = [_metadata(r) for r in _all_named(storage, name, None)]
    if not found:
        raise ArtifactNotFound(f"No artifact is named {name!r}.")
    return found
