"""Split a raw Hub URL path into (action, repo type, repo id, revision, file path).

Repo ids are `owner/name` or a bare `name` (legacy canonical repos), so routing cannot rely on a fixed
number of segments: known ids are preferred, then the shape of what follows decides. Segments are
split on the *raw* path, so a revision quoted with %2F (e.g. refs%2Fpr%2F1) stays one segment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

from tests.fakehub.hf_repo import RepoKind

Action = Literal["info", "tree", "paths-info", "auth-check", "commits", "resolve"]
API_KINDS: dict[str, RepoKind] = {"models": "model", "datasets": "dataset"}
API_SUBPATHS = ("revision", "tree", "paths-info", "auth-check", "commits")
Knows = Callable[[RepoKind, str], bool]


@dataclass(frozen=True)
class HubPath:
    action: Action
    kind: RepoKind
    repo_id: str
    revision: str | None
    path: str
    prefix: tuple[str, ...]  # raw segments before the repo id
    tail: tuple[str, ...]  # raw segments after the repo id

    def with_repo_id(self, repo_id: str) -> str:
        """The same URL path for another repo id (used to redirect renamed repos)."""
        return "/" + "/".join((*self.prefix, quote(repo_id, safe="/"), *self.tail))


def _id_length(kind: RepoKind, raw: list[str], knows: Knows, marker: tuple[str, ...]) -> int:
    names = [unquote(segment) for segment in raw]
    if len(names) >= 2 and knows(kind, f"{names[0]}/{names[1]}"):
        return 2
    if names and knows(kind, names[0]):
        return 1
    if len(names) >= 2 and names[1] not in marker:
        return 2
    return 1


def parse_api(raw: list[str], knows: Knows) -> HubPath | None:
    """raw = segments after `/api`: ["models", owner, name, "tree", rev, ...]."""
    if len(raw) < 2 or raw[0] not in API_KINDS:
        return None
    kind = API_KINDS[raw[0]]
    rest = raw[1:]
    length = _id_length(kind, rest, knows, API_SUBPATHS)
    repo_id = "/".join(unquote(segment) for segment in rest[:length])
    tail = [unquote(segment) for segment in rest[length:]]
    prefix = ("api", raw[0])
    raw_tail = tuple(rest[length:])
    if not tail:
        return HubPath("info", kind, repo_id, None, "", prefix, raw_tail)
    if tail[0] == "revision" and len(tail) == 2:
        return HubPath("info", kind, repo_id, tail[1], "", prefix, raw_tail)
    if tail[0] == "tree" and len(tail) >= 2:
        return HubPath("tree", kind, repo_id, tail[1], "/".join(tail[2:]), prefix, raw_tail)
    if tail[0] == "paths-info" and len(tail) == 2:
        return HubPath("paths-info", kind, repo_id, tail[1], "", prefix, raw_tail)
    if tail[0] == "commits" and len(tail) == 2:
        return HubPath("commits", kind, repo_id, tail[1], "", prefix, raw_tail)
    if tail == ["auth-check"]:
        return HubPath("auth-check", kind, repo_id, None, "", prefix, raw_tail)
    return None


def parse_resolve(raw: list[str], knows: Knows) -> HubPath | None:
    """raw = ["datasets"?, owner?, name, "resolve", rev, *path]."""
    kind: RepoKind = "model"
    prefix: tuple[str, ...] = ()
    if raw and raw[0] == "datasets":
        kind, prefix, raw = "dataset", ("datasets",), raw[1:]
    length = _id_length(kind, raw, knows, ("resolve",))
    tail = [unquote(segment) for segment in raw[length:]]
    if len(tail) < 3 or tail[0] != "resolve" or not all(tail[2:]):
        return None
    repo_id = "/".join(unquote(segment) for segment in raw[:length])
    return HubPath("resolve", kind, repo_id, tail[1], "/".join(tail[2:]), prefix, tuple(raw[length:]))


def parse(raw_path: str, knows: Knows) -> HubPath | None:
    segments = raw_path.strip("/").split("/")
    if segments and segments[0] == "api":
        return parse_api(segments[1:], knows)
    return parse_resolve(segments, knows)
