"""Finding artifacts: the spec's paged queries, exact names, regular expressions over names and READMEs."""

from __future__ import annotations

from package.core.config import Settings
from package.core.errors import BadRequest
from package.core.storage import Storage
from package.routers.artifacts import database
from package.routers.artifacts.errors import ArtifactNotFound, TooManyMatches
from package.routers.artifacts.interface import ArtifactMetadata, ArtifactQuery, ArtifactRecord
from package.routers.artifacts.search import compile_pattern


def list_artifacts(
    storage: Storage, settings: Settings, *, queries: list[ArtifactQuery], offset: str | None
) -> tuple[list[ArtifactMetadata], str | None]:
    """One page of the artifacts matching any query, and the next page's offset (None on the last)."""
    if not queries:
        raise BadRequest("The body must be a non-empty array of artifact queries.")
    start = _parse_offset(offset)
    matches = [r for r in database.list_all(storage) if any(_matches(q, r) for q in queries)]
    if len(matches) > settings.max_query_results:
        raise TooManyMatches(
            f"{len(matches)} artifacts match; narrow the query (at most {settings.max_query_results})."
        )
    page = matches[start : start + settings.page_size]
    end = start + len(page)
    return [r.metadata for r in page], (str(end) if end < len(matches) else None)


def _parse_offset(offset: str | None) -> int:
    if offset is None or offset == "":
        return 0
    if not offset.isdigit():
        raise BadRequest(f"Offset {offset!r} is not a non-negative integer.")
    return int(offset)


def _matches(query: ArtifactQuery, record: ArtifactRecord) -> bool:
    if query.types and record.type not in query.types:
        return False
    return query.name == "*" or query.name == record.name


def by_name(storage: Storage, *, name: str) -> list[ArtifactMetadata]:
    """Every artifact with exactly this name (case-sensitive)."""
    if not name.strip() or name == "*":
        raise BadRequest("Give an artifact name; '*' is reserved for enumerating with POST /artifacts.")
    found = [r.metadata for r in database.list_all(storage) if r.name == name]
    if not found:
        raise ArtifactNotFound(f"No artifact is named {name!r}.")
    return found


def by_regex(storage: Storage, settings: Settings, *, pattern: str) -> list[ArtifactMetadata]:
    """Every artifact whose name or README matches the pattern (evaluated in bounded time)."""
    compiled = compile_pattern(pattern)
    texts = database.readmes(storage)
    found = []
    for record in database.list_all(storage):
        readme = texts.get(record.id, "")[: settings.regex_max_text_bytes]
        if compiled.search(record.name) or (readme and compiled.search(readme)):
            found.append(record.metadata)
    if not found:
        raise ArtifactNotFound(f"No artifact name or README matches {pattern!r}.")
    return found
