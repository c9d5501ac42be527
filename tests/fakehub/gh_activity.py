"""Deterministic generation of commits and pull requests from an ActivitySpec."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tests.fakehub.gh_specs import ActivitySpec, Contributor, PullFileSpec, PullSpec, ReviewSpec, ReviewState

ISO = "%Y-%m-%dT%H:%M:%SZ"
CODE_SUFFIXES = (
    ".py",
    ".js",
    ".ts",
    ".c",
    ".cc",
    ".h",
    ".go",
    ".rs",
    ".java",
    ".sh",
    ".yml",
    ".yaml",
    ".toml",
)
DEFAULT_MESSAGES = (
    "Fix typo in README",
    "Add unit tests for tokenizer edge cases",
    "Refactor data loading",
    "Update requirements",
    "Handle empty input gracefully",
    "Improve error message when checkpoint is missing",
    "Add type hints",
    "Speed up preprocessing",
    "Fix off-by-one error in batching",
    "Document command line flags",
    "Bump version",
    "Clean up unused imports",
)
BOT_MESSAGES = (
    "Bump actions/checkout from 3 to 4",
    "Bump urllib3 from 1.26.5 to 1.26.18",
    "Update pre-commit hooks",
)


@dataclass(frozen=True)
class Commit:
    sha: str
    login: str | None  # None: the author's email is linked to no GitHub account
    name: str
    email: str
    date: str
    message: str
    parent: str | None
    bot: bool


def fmt(moment: dt.datetime) -> str:
    return moment.strftime(ISO)


def parse_day(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def git_name(contributor: Contributor) -> str:
    if contributor.name:
        return contributor.name
    return " ".join(part.capitalize() for part in contributor.login.replace("_", "-").split("-") if part)


def random_moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = max(1, int((end - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randrange(seconds))


def generate_commits(full_name: str, spec: ActivitySpec) -> list[Commit]:
    """All commits, newest first; each contributor authors exactly `contributor.commits` of them."""
    rng = random.Random(f"commits:{full_name}:{spec.seed}")
    start, end = parse_day(spec.first_commit), parse_day(spec.last_commit)
    drafts: list[tuple[dt.datetime, Contributor | None]] = []
    for contributor in spec.contributors:
        drafts += [(random_moment(rng, start, end), contributor) for _ in range(contributor.commits)]
    drafts += [(random_moment(rng, start, end), None) for _ in range(spec.anonymous_commits)]
    drafts.sort(key=lambda draft: draft[0], reverse=True)
    messages = spec.messages or DEFAULT_MESSAGES
    shas = [
        hashlib.sha1(f"{full_name}:{index}:{moment.isoformat()}".encode()).hexdigest()
        for index, (moment, _) in enumerate(drafts)
    ]
    commits: list[Commit] = []
    for index, (moment, who) in enumerate(drafts):
        is_first = index == len(drafts) - 1
        bot = who is not None and who.bot
        message = "Initial commit" if is_first else rng.choice(BOT_MESSAGES if bot else messages)
        commits.append(
            Commit(
                sha=shas[index],
                login=who.login if who else None,
                name=git_name(who) if who else "Local Developer",
                email=f"{who.login}@users.noreply.github.com" if who else "dev@workstation.local",
                date=fmt(moment),
                message=message,
                parent=None if is_first else shas[index + 1],
                bot=bot,
            )
        )
    return commits


def generate_reviews(
    rng: random.Random,
    spec: ActivitySpec,
    author: str,
    opened: dt.datetime,
    closed: dt.datetime,
    merged: bool,
) -> tuple[ReviewSpec, ...]:
    pool = [login for login in spec.reviewers if login != author] or [
        c.login for c in spec.contributors if c.login != author and not c.bot
    ]
    if not pool or (merged and rng.random() >= spec.reviewed_ratio) or (not merged and rng.random() < 0.5):
        return ()
    count = rng.randint(1, 3)
    moments = sorted(random_moment(rng, opened, closed) for _ in range(count))
    reviews: list[ReviewSpec] = []
    for position, moment in enumerate(moments):
        last = position == count - 1
        state: ReviewState
        if last and merged and rng.random() < spec.approval_ratio:
            state = "APPROVED"
        elif not merged and last:
            state = "CHANGES_REQUESTED"
        else:
            state = rng.choice(("COMMENTED", "CHANGES_REQUESTED", "COMMENTED"))
        reviews.append(ReviewSpec(rng.choice(pool), state, fmt(moment)))
    return tuple(reviews)


def generate_pulls(full_name: str, spec: ActivitySpec, files: Sequence[str]) -> list[PullSpec]:
    """Pull requests numbered 1..n in creation order (spec.pulls verbatim when given)."""
    if spec.pulls is not None:
        return sorted(spec.pulls, key=lambda pull: pull.number)
    rng = random.Random(f"pulls:{full_name}:{spec.seed}")
    start, end = parse_day(spec.first_commit), parse_day(spec.last_commit)
    kinds = (
        ["merged"] * spec.merged_pulls + ["closed"] * spec.closed_unmerged_pulls + ["open"] * spec.open_pulls
    )
    rng.shuffle(kinds)
    created = sorted(random_moment(rng, start, end) for _ in kinds)
    authors = [c.login for c in spec.contributors]
    weights = [c.commits for c in spec.contributors]
    code_files = [path for path in files if path.endswith(CODE_SUFFIXES)] or list(files) or ["README.md"]
    messages = spec.messages or DEFAULT_MESSAGES
    pulls: list[PullSpec] = []
    for number, (kind, opened) in enumerate(zip(kinds, created, strict=True), start=1):
        author = rng.choices(authors, weights)[0]
        finished = opened + dt.timedelta(hours=rng.randint(1, 24 * 14))
        touched = rng.sample(code_files, k=min(len(code_files), rng.randint(1, 4)))
        changes = tuple(PullFileSpec(path, rng.randint(1, 120), rng.randint(0, 40)) for path in touched)
        pulls.append(
            PullSpec(
                number=number,
                author=author,
                title=rng.choice(messages),
                created_at=fmt(opened),
                merged_at=fmt(finished) if kind == "merged" else None,
                closed_at=fmt(finished) if kind != "open" else None,
                reviews=generate_reviews(rng, spec, author, opened, finished, kind == "merged"),
                files=changes,
            )
        )
    return pulls
