"""What is running: package version, source commit and process uptime."""

from __future__ import annotations

import time
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_STARTED = time.monotonic()
_REPO = Path(__file__).resolve().parents[3]


def service_version() -> str:
    """The installed package version, or the source tree's."""
    try:
        return version("trustworthy-model-registry")
    except PackageNotFoundError:
        return "0.1.0"


def uptime_seconds() -> int:
    """Seconds since this process loaded the registry."""
    return int(time.monotonic() - _STARTED)


@lru_cache(maxsize=4)
def git_sha(configured: str | None, repo: Path = _REPO) -> str | None:
    """The configured commit, else the one a source checkout's `.git` points at (None when neither exists)."""
    if configured:
        return configured.strip() or None
    head = repo / ".git" / "HEAD"
    try:
        text = head.read_text().strip()
    except OSError:
        return None
    if not text.startswith("ref: "):
        return text or None
    ref = text.removeprefix("ref: ")
    try:
        return (repo / ".git" / ref).read_text().strip() or None
    except OSError:
        pass
    try:
        for line in (repo / ".git" / "packed-refs").read_text().splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    except OSError:
        return None
    return None
