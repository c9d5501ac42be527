"""The errors the rating domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest, NotFound, RegistryError


class NotAModel(BadRequest):
    """Only models are rated."""

    description: ClassVar[str] = "The id names an artifact that is not a model."


class RatingFailed(RegistryError):
    """A metric could not be computed (the spec's 500 for /rate)."""

    status_code = 500
    code = "rating_failed"
    description: ClassVar[str] = (
        "At least one metric could not be computed; the message names it and says why."
    )


class VersionNotRated(NotFound):
    """An earlier version of a model has no stored rating (earlier versions are never rated afterwards)."""

    description: ClassVar[str] = "The earlier version asked for (?version=N) has no stored rating."
    code = "version_not_rated"
