"""The errors the lineage domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest


class LineageUnavailable(BadRequest):
    """The artifact's captured metadata is missing or malformed, so no graph can be drawn."""

    description: ClassVar[str] = "The artifact's metadata is missing or malformed."
