"""Commit histories of Hub repos, served by `GET /api/{models|datasets}/{id}/commits/{rev}` like the real Hub.

A history is declared (who committed how often, optional co-authored commits and titles) and generated
deterministically between the repo's creation and its last modification: the oldest commit is the Hub's
"initial commit" by `system` at `created_at`, the newest is at `last_modified` and carries the head sha.
The endpoint lists commits newest first, `limit` per page (default 50, at most 1000), page `p` (from 0),
with a `Link: <...>; rel="next"` header while more pages follow and `X-Total-Count` always.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import URL, QueryParams

ISO_MS = "%Y-%m-%dT%H:%M:%S.000Z"
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
SYSTEM = "system"
INITIAL_TITLE = "initial commit"
DEFAULT_TITLES = (
    "Upload folder using huggingface_hub",
    "Update README.md",
    "Update config.json",
    "Upload model.safetensors with huggingface_hub",
    "Add model card",
    "Fix typo in model card",
    "Add evaluation results",
    "Update tokenizer_config.json",
    "Add widget examples",
    "Upload preprocessor_config.json",
)
BOT_TITLES = {
    "SFconvertbot": "Adding `safetensors` variant of this model",
    "librarian-bot": "Librarian Bot: Add base_model information to model",
    "github-actions": "Sync model card from the GitHub repository",
}
BOT_MESSAGES = {
    "SFconvertbot": "This is an automated PR created with https://huggingface.co/spaces/safetensors/convert",
}


@dataclass(frozen=True)
class HubHistory:
    """Who committed to a Hub repo: `authors` ((user, commits), ...), and `shared` (((user, ...), commits),
    ...) for commits with several authors. Titles come from `titles` (or common Hub titles); bots get theirs.
    """

    authors: tuple[tuple[str, int], ...]
    shared: tuple[tuple[tuple[str, ...], int], ...] = ()
    titles: tuple[str, ...] = ()
    seed: int = 0


@dataclass(frozen=True)
class HubCommit:
    id: str
    title: str
    message: str
    date: str
    authors: tuple[str, ...]


def default_history(owner: str | None) -> HubHistory:
    """A repo created and filled in one upload by its namespace (or by `system` for owner-less ids)."""
    return HubHistory(authors=((owner or SYSTEM, 1),), titles=("Upload folder using huggingface_hub",))


def parse_moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def generate(
    key: str, created_at: str, last_modified: str, head: str, history: HubHistory
) -> tuple[HubCommit, ...]:
    """All commits, newest first; the newest has id `head` and date `last_modified`."""
    rng = random.Random(f"hub-commits:{key}:{history.seed}")
    start = parse_moment(created_at)
    end = max(start, parse_moment(last_modified))
    span = max(1, int((end - start).total_seconds()))
    drafts: list[tuple[dt.datetime, tuple[str, ...]]] = []
    groups = [((user,), count) for user, count in history.authors] + list(history.shared)
    for users, count in groups:
        drafts += [(start + dt.timedelta(seconds=1 + rng.randrange(span)), users) for _ in range(count)]
    drafts.sort(key=lambda draft: draft[0])
    if drafts:
        drafts[-1] = (end, drafts[-1][1])
    titles = history.titles or DEFAULT_TITLES
    commits = [HubCommit("", INITIAL_TITLE, "", start.strftime(ISO_MS), (SYSTEM,))]
    for index, (moment, users) in enumerate(drafts, start=1):
        bot = next((user for user in users if user in BOT_TITLES), None)
        title = BOT_TITLES[bot] if bot else titles[0] if index == 1 else rng.choice(titles)
        message = BOT_MESSAGES.get(bot or "", "") if bot else ("" if rng.random() < 0.7 else f"{title}.")
        commits.append(HubCommit("", title, message, moment.strftime(ISO_MS), users))
    newest_first = list(reversed(commits))
    return tuple(
        HubCommit(
            head if position == 0 else hashlib.sha1(f"{key}:{position}:{c.date}".encode()).hexdigest(),
            c.title,
            c.message,
            c.date,
            c.authors,
        )
        for position, c in enumerate(newest_first)
    )


def avatar(user: str) -> str:
    digest = hashlib.md5(user.encode()).hexdigest()
    return f"https://cdn-avatars.huggingface.co/v1/production/uploads/{digest}.png"


def commit_json(commit: HubCommit, formatted: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": commit.id,
        "title": commit.title,
        "message": commit.message,
        "authors": [{"user": user, "avatar": avatar(user)} for user in commit.authors],
        "date": commit.date,
    }
    if formatted:
        body["formatted"] = {
            "title": html.escape(commit.title),
            "message": f"<p>{html.escape(commit.message)}</p>" if commit.message else "",
        }
    return body


def number(value: str | None, default: int, low: int, high: int) -> int:
    try:
        parsed = int(value) if value is not None else default
    except ValueError:
        parsed = default
    return max(low, min(high, parsed))


def page(
    commits: Sequence[HubCommit], url: URL, formatted: bool
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One page of the listing and its headers (X-Total-Count; Link rel="next" while more follow)."""
    params = QueryParams(url.query)
    limit = number(params.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
    index = number(params.get("p"), 0, 0, 1_000_000)
    chunk = [commit_json(c, formatted) for c in commits[index * limit : (index + 1) * limit]]
    headers = {"X-Total-Count": str(len(commits))}
    if (index + 1) * limit < len(commits):
        headers["Link"] = f'<{url.include_query_params(p=index + 1, limit=limit)}>; rel="next"'
    return chunk, headers
