"""byRegEx: every artifact whose name or README matches a pattern, in bounded time.

The trigram index narrows the texts read to those that can match; each candidate costs its small search
document, and its README only when the name does not match. A search that runs past
REGISTRY_REGEX_DEADLINE_MS stops and answers 400 (PatternTooExpensive): the spec's byRegEx answers 200,
400, 403 or 404 only, and of those a partial 200 would silently drop matches and a 404 would claim there
are none, while 400 ("invalid") is the pattern's fault as far as this registry is concerned.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from package.core.config import Settings
from package.core.storage import Storage
from package.routers.artifacts import database
from package.routers.artifacts.config import get_artifacts_settings
from package.routers.artifacts.errors import ArtifactNotFound, PatternTooExpensive
from package.routers.artifacts.gc_pause import gc_paused
from package.routers.artifacts.interface import ARTIFACT_METADATA_LIST, ArtifactMetadata
from package.routers.artifacts.search import CompiledPattern, Matcher, compile_pattern
from package.routers.artifacts.search_db import Document
from package.routers.artifacts.text_index import pattern_query

CHECK_BATCH = 500  # regex candidates whose documents (and then READMEs) are read in one go
_now = time.monotonic  # the deadline's clock (tests move it)


@dataclass(frozen=True)
class Deadline:
    """When a search must stop, and the pattern it is for (the error names both)."""

    at: float
    milliseconds: int
    pattern: str

    @classmethod
    def start(cls, pattern: str, milliseconds: int) -> Deadline:
        """A deadline `milliseconds` from now."""
        return cls(_now() + milliseconds / 1000, milliseconds, pattern)

    def check(self) -> None:
        """Raise PatternTooExpensive once the deadline has passed."""
        if _now() > self.at:
            raise PatternTooExpensive(
                f"Regular expression {self.pattern[:200]!r} needs more than {self.milliseconds} ms over this "
                "registry (REGISTRY_REGEX_DEADLINE_MS). A pattern with a literal word of three or more "
                "letters or digits that every match contains (e.g. 'bert', not '.*' or '(a|aa)*$') lets the "
                "index skip the texts that cannot match."
            )


def by_regex(
    storage: Storage,
    settings: Settings,
    *,
    pattern: str,
    use_index: bool = True,
    deadline_ms: int | None = None,
) -> list[ArtifactMetadata]:
    """Every artifact whose name or README matches the pattern, oldest first (ties by id).

    `use_index=False` reads every text (the benchmark's baseline). `deadline_ms` (default:
    REGISTRY_REGEX_DEADLINE_MS) bounds the whole search; past it, PatternTooExpensive (400).
    """
    milliseconds = deadline_ms if deadline_ms is not None else get_artifacts_settings().regex_deadline_ms
    deadline = Deadline.start(pattern, milliseconds)
    compiled = compile_pattern(pattern, budget_seconds=milliseconds / 1000)
    with gc_paused():
        found = _search(storage, settings, compiled, pattern, use_index, deadline)
    if not found:
        raise ArtifactNotFound(f"No artifact name or README matches {pattern!r}.")
    return found


def _search(
    storage: Storage,
    settings: Settings,
    compiled: CompiledPattern,
    pattern: str,
    use_index: bool,
    deadline: Deadline,
) -> list[ArtifactMetadata]:
    """The matches, through the index's candidates, every search document, or (no index yet) every record."""
    # Only RE2's syntax is what the stdlib parser reads for the prefilter; the fallback engine's extras
    # (fuzzy matching, Unicode case folding of its own) are not, so those patterns read every text.
    ids = None
    if use_index and compiled.engine == "re2":
        ids = database.regex_candidates(storage, pattern_query(pattern))
    if ids is not None:
        ordered = sorted(ids)
        batches = (
            database.search_documents(storage, ordered[i : i + CHECK_BATCH])
            for i in range(0, len(ordered), CHECK_BATCH)
        )
        found = _verify(storage, settings, compiled.search, batches, deadline)
    elif use_index and (every := database.all_search_documents(storage, CHECK_BATCH)) is not None:
        found = _verify(storage, settings, compiled.search, every, deadline)  # no literal: every text
    else:
        found = _scan_all(storage, settings, compiled.search, deadline)  # the index is not built yet
    deadline.check()  # the fallback engine counts a text it had no time left for as not matching
    return found


def _scan_all(
    storage: Storage, settings: Settings, search: Matcher, deadline: Deadline
) -> list[ArtifactMetadata]:
    texts = database.readmes(storage)
    found = []
    for record in database.list_all(storage):
        deadline.check()  # a look at the clock costs far less than a README search
        readme = texts.get(record.id, "")[: settings.regex_max_text_bytes]
        if search(record.name) or (readme and search(readme)):
            found.append(record.metadata)
    return found


def _verify(
    storage: Storage,
    settings: Settings,
    search: Matcher,
    batches: Iterable[list[Document]],
    deadline: Deadline,
) -> list[ArtifactMetadata]:
    """The artifacts that really match, in list_all's order (oldest first, ties by id).

    Each costs its small search document (name, type, registration time); its README is read, in batches,
    only when the name does not match. Records are never read or validated.
    """
    found: list[Document] = []
    for documents in batches:
        deadline.check()
        unnamed: list[Document] = []
        for document in documents:
            (found if search(document.name) else unnamed).append(document)
        if not unnamed:
            continue
        texts = database.readmes_of(storage, [d.id for d in unnamed])
        for document in unnamed:
            deadline.check()  # a look at the clock costs far less than a README search
            readme = texts.get(document.id, "")[: settings.regex_max_text_bytes]
            if readme and search(readme):
                found.append(document)
    deadline.check()
    found.sort()  # (registration time, id): oldest first, ties by id
    answer: list[ArtifactMetadata] = []
    for start in range(0, len(found), CHECK_BATCH):  # 100,000 matches take ~1 s to build on a busy core
        deadline.check()
        # One validation call a batch: a fifth cheaper than a constructor call a match.
        answer += ARTIFACT_METADATA_LIST.validate_python(
            [{"name": d.name, "id": d.id, "type": d.type} for d in found[start : start + CHECK_BATCH]]
        )
    return answer
