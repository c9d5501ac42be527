"""FastAPI dependencies of the artifacts domain that any domain's endpoints may use (load-or-404 once).

Declare the caller's permission (`CanSearch`, `CanDownload`...) BEFORE one of these in a route's signature:
FastAPI resolves dependencies in order, so a request without a token gets its 403 before any lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from package.core.config import Settings, SettingsDep
from package.core.storage import Storage, Store
from package.core.upstream.clients import Upstreams, UpstreamsDep
from package.core.web import BaseUrl
from package.routers.artifacts import services
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType


def current_artifact(artifact_type: ArtifactType, id: str, storage: Store) -> ArtifactRecord:
    """The published artifact the path's `{artifact_type}` and `{id}` name (400 malformed, 404 unknown)."""
    return services.load(storage, artifact_type, id)


def current_model(id: str, storage: Store) -> ArtifactRecord:
    """The published model named by the path's `{id}` (400 malformed, 404 unknown or not a model)."""
    return services.load(storage, ArtifactType.MODEL, id)


CurrentArtifact = Annotated[ArtifactRecord, Depends(current_artifact)]
CurrentModel = Annotated[ArtifactRecord, Depends(current_model)]


@dataclass(frozen=True)
class Registry:
    """What a route that reads upstreams or writes artifacts needs, gathered into one parameter."""

    storage: Storage
    upstreams: Upstreams
    settings: Settings
    base_url: str


def registry(storage: Store, upstreams: UpstreamsDep, settings: SettingsDep, base_url: BaseUrl) -> Registry:
    """The request's storage, upstream clients, settings and public base URL."""
    return Registry(storage=storage, upstreams=upstreams, settings=settings, base_url=base_url)


RegistryDep = Annotated[Registry, Depends(registry)]
