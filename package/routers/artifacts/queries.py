"""Finding artifacts: the spec's paged queries, exact names, regular expressions over names and READMEs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from package.core.config import Settings
from package.core.errors import BadRequest
from package.core.storage import Storage
from package.routers.artifacts import database
from package.routers.artifacts.errors import ArtifactNotFound, TooManyMatches
from package.routers.artifacts.interface import ArtifactMetadata, ArtifactQuery, ArtifactRecord
from package.routers.artifacts.search import Matcher, compile_pattern, parse_offset
from package.routers.artifacts.text_index import pattern_query

CHECK_BATCH = 500  # candidates whose records (and then READMEs) are read in one go

# Net scores by artifact id, for `min_net_score`: the rating domain provides them (services.add_score_source),
# so this domain never reads another domain's storage.
ScoreSource = Callable[[Storage], dict[str, float]]
_score_sources: list[ScoreSource] = []


def add_score_source(source: ScoreSource) -> None:
    """Let a domain provide current net scores for the `min_net_score` filter (idempotent)."""
    if source not in _score_sources:
        _score_sources.append(source)


def _net_scores(storage: Storage) -> dict[str, float]:
    scores: dict[str, float] = {}
    for source in _score_sources:
        scores.update(source(storage))
    return scores


def list_artifacts(
    storage: Storage, settings: Settings, *, queries: list[ArtifactQuery], offset: str | None
) -> tuple[list[ArtifactMetadata], str | None]:
    """One page of the artifacts matching any query, and the next page's offset (None on the last)."""
    if not queries:
        raise BadRequest("The body must be a non-empty array of artifact queries.")
    start = parse_offset(offset)
    scores = _net_scores(storage) if any(q.min_net_score is not None for q in queries) else {}
    matches = [r for r in database.list_all(storage) if any(_matches(q, r, scores) for q in queries)]
    if len(matches) > settings.max_query_results:
        raise TooManyMatches(
            f"{len(matches)} artifacts match; narrow the query (at most {settings.max_query_results})."
        )
    page = matches[start : start + settings.page_size]
    end = start + len(page)
    return [r.metadata for r in page], (str(end) if end < len(matches) else None)


def _matches(query: ArtifactQuery, record: ArtifactRecord, scores: dict[str, float]) -> bool:
    if query.types and record.type not in query.types:
        return False
    if query.name != "*" and query.name != record.name:
        return False
    if query.license is not None and (record.license or "").lower() != query.license.lower():
        return False
    if query.min_net_score is not None and scores.get(record.id, -1.0) < query.min_net_score:
        return False
    return query.created_after is None or _aware(record.created_at) > _aware(query.created_after)


def _aware(moment: str | datetime) -> datetime:
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def by_name(storage: Storage, *, name: str) -> list[ArtifactMetadata]:
    """Every artifact with exactly this name (case-sensitive)."""
    if not name.strip() or name == "*":
        raise BadRequest("Give an artifact name; '*' is reserved for enumerating with POST /artifacts.")
    found = [r.metadata for r in database.list_all(storage) if r.name == name]
    if not found:
        raise ArtifactNotFound(f"No artifact is named {name!r}.")
    return found


def by_regex(
    storage: Storage, settings: Settings, *, pattern: str, use_index: bool = True
) -> list[ArtifactMetadata]:
    """Every artifact whose name or README matches the pattern (evaluated in bounded time).

    The trigram index narrows the texts read to those that can match; `use_index=False` reads them all
    (the benchmark's baseline).
    """
    compiled = compile_pattern(pattern)
    # Only RE2's syntax is what the stdlib parser reads for the prefilter; the fallback engine's extras
    # (fuzzy matching, Unicode case folding of its own) are not, so those patterns read every text.
    ids = None
    if use_index and compiled.engine == "re2":
        ids = database.regex_candidates(storage, pattern_query(pattern))
    if ids is None:
        found = _scan_all(storage, settings, compiled.search)
    else:
        found = _check_candidates(storage, settings, compiled.search, ids)
    if not found:
        raise ArtifactNotFound(f"No artifact name or README matches {pattern!r}.")
    return found


def _scan_all(storage: Storage, settings: Settings, search: Matcher) -> list[ArtifactMetadata]:
    texts = database.readmes(storage)
    found = []
    for record in database.list_all(storage):
        readme = texts.get(record.id, "")[: settings.regex_max_text_bytes]
        if search(record.name) or (readme and search(readme)):
            found.append(record.metadata)
    return found


def _check_candidates(
    storage: Storage, settings: Settings, search: Matcher, ids: set[str]
) -> list[ArtifactMetadata]:
    """The candidates that really match, in list_all's order; READMEs read in batches, only when needed."""
    found = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHECK_BATCH):
        records = database.published(storage, ordered[start : start + CHECK_BATCH])
        unnamed = [r for r in records if not search(r.name)]
        texts = database.readmes_of(storage, [r.id for r in unnamed]) if unnamed else {}
        skipped = {r.id for r in unnamed}
        for record in records:
            readme = texts.get(record.id, "")[: settings.regex_max_text_bytes]
            if record.id not in skipped or (readme and search(readme)):
                found.append(record)
    found.sort(key=lambda r: (r.created_at, r.id))
    return [r.metadata for r in found]
