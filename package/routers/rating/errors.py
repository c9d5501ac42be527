"""The errors the rating domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest, RegistryError


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
