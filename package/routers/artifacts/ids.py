"""Artifact ids: random, unguessable, and checked before any lookup."""

from __future__ import annotations

import uuid

from package.core.errors import BadRequest
from package.routers.artifacts.interface import ARTIFACT_ID_PATTERN

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def new_artifact_id() -> str:
    """A random, unguessable id matching the spec's pattern (122 random bits)."""
    return str(uuid.uuid4())


def check_artifact_id(artifact_id: str) -> str:
    """The id if well formed, else BadRequest."""
    if not artifact_id or len(artifact_id) > 64 or not set(artifact_id) <= _ID_CHARS:
        raise BadRequest(f"Artifact id {artifact_id!r} is malformed: it must match {ARTIFACT_ID_PATTERN}.")
    return artifact_id
