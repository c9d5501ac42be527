"""The errors the artifacts domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest, Conflict, NotFound, PayloadTooLarge


class ArtifactNotFound(NotFound):
    """No (published) artifact has this id, name or pattern."""

    description: ClassVar[str] = "Artifact does not exist."


class DuplicateArtifact(Conflict):
    """An artifact of this type is registered from this source already."""

    description: ClassVar[str] = "Artifact exists already."


class PatternTooExpensive(BadRequest):
    """A regex search ran past REGISTRY_REGEX_DEADLINE_MS: the pattern needs more of the registry read than
    a request may take (it has no literal for the index to narrow the texts by)."""

    code = "pattern_too_expensive"


class TooManyMatches(PayloadTooLarge):
    """A query matches more artifacts than REGISTRY_MAX_QUERY_RESULTS."""

    description: ClassVar[str] = "Too many artifacts match."


class VersionNotFound(NotFound):
    """The artifact has no such version, or retention (REGISTRY_VERSIONS_KEPT) let it go."""

    description: ClassVar[str] = "No such version of the artifact is kept."
    code = "version_not_found"
