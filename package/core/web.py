"""Request-derived values several domains need."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from package.core.config import SettingsDep


async def public_base_url(request: Request, settings: SettingsDep) -> str:
    """The base of absolute links: REGISTRY_PUBLIC_URL, else the URL the client used."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


BaseUrl = Annotated[str, Depends(public_base_url)]
