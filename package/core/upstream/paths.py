"""File names that come from upstreams are hostile: only plain relative paths reach storage and zips."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TypeVar

logger = logging.getLogger("registry.upstream")

MAX_PATH_CHARS = 1024
T = TypeVar("T")


def is_safe_relative_path(path: str) -> bool:
    """Whether `path` is a plain relative path that stays inside the folder it is extracted to.

    Refused: empty, absolute (`/x`, `C:x`), `.`/`..`/empty segments, backslashes, control characters
    (CR, LF, NUL, ...), and names past MAX_PATH_CHARS.
    """
    if not path or len(path) > MAX_PATH_CHARS or path.startswith("/") or "\\" in path:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in path) or (path[1:2] == ":" and path[:1].isalpha()):
        return False
    return all(segment not in {"", ".", ".."} for segment in path.split("/"))


def keep_safe(items: Iterable[T], path_of: str, *, source: str) -> list[T]:
    """The items whose attribute `path_of` is a safe relative path; the others are dropped and logged."""
    kept: list[T] = []
    for item in items:
        path = getattr(item, path_of)
        if is_safe_relative_path(path):
            kept.append(item)
        else:
            logger.warning(
                "unsafe upstream file name dropped", extra={"source": source, "path": repr(path)[:300]}
            )
    return kept
