"""Request-derived values several domains need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request

from package.core.config import SettingsDep


def public_base_url(request: Request, settings: SettingsDep) -> str:
    """The base of absolute links: REGISTRY_PUBLIC_URL, else the URL the client used."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


BaseUrl = Annotated[str, Depends(public_base_url)]


def error_responses(descriptions: Mapping[int, str], *codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route from a table of descriptions (older style: prefer `errors.documented`)."""
    return {code: {"description": descriptions[code]} for code in codes}
