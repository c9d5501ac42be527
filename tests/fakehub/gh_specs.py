"""Declarative description of a GitHub repository's history: contributors, commits, pull requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReviewState = Literal["APPROVED", "COMMENTED", "CHANGES_REQUESTED"]


@dataclass(frozen=True)
class Contributor:
    login: str
    commits: int
    name: str | None = None  # git author name; defaults to a name derived from the login
    bot: bool = False


@dataclass(frozen=True)
class ReviewSpec:
    user: str
    state: ReviewState
    submitted_at: str  # ISO 8601, e.g. "2023-04-01T12:00:00Z"
    body: str = ""


@dataclass(frozen=True)
class PullFileSpec:
    filename: str
    additions: int
    deletions: int
    status: Literal["added", "modified", "removed", "renamed"] = "modified"


@dataclass(frozen=True)
class PullSpec:
    number: int
    author: str
    title: str
    created_at: str
    merged_at: str | None = None
    closed_at: str | None = None  # None and not merged => the pull request is open
    reviews: tuple[ReviewSpec, ...] = ()
    files: tuple[PullFileSpec, ...] = ()
    body: str = ""

    @property
    def state(self) -> Literal["open", "closed"]:
        return "closed" if self.closed_at is not None or self.merged_at is not None else "open"


@dataclass(frozen=True)
class ActivitySpec:
    """History of a repo. Commits are generated so that each contributor has exactly `commits` of them.

    Pull requests are `pulls` verbatim when given, otherwise generated from the counts and ratios.
    """

    contributors: tuple[Contributor, ...]
    first_commit: str = "2019-01-01"
    last_commit: str = "2024-06-30"
    anonymous_commits: int = 0  # commits whose email maps to no GitHub account (author: null)
    merged_pulls: int = 0
    closed_unmerged_pulls: int = 0
    open_pulls: int = 0
    reviewed_ratio: float = 0.0  # share of merged pulls with at least one review by someone else
    approval_ratio: float = 1.0  # share of reviewed pulls whose last review is APPROVED
    reviewers: tuple[str, ...] = ()
    pulls: tuple[PullSpec, ...] | None = None
    messages: tuple[str, ...] = ()
    seed: int = 0


def single_author(login: str, commits: int = 1) -> ActivitySpec:
    return ActivitySpec(
        contributors=(Contributor(login, commits),), first_commit="2023-01-01", last_commit="2023-06-01"
    )
