"""The errors the lineage domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest, NotFound


class LineageUnavailable(BadRequest):
    """The artifact's captured metadata is missing or malformed, so no graph can be drawn."""

    description: ClassVar[str] = "The artifact's metadata is missing or malformed."


class VersionLineageNotKept(NotFound):
    """An earlier version's lineage entry was not kept (replaced before per-version lineage existed)."""

    description: ClassVar[str] = "The earlier version asked for (?version=N) has no kept lineage entry."
    code = "version_lineage_not_kept"
