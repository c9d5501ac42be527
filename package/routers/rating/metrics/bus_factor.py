"""bus_factor: how many people carry the model's upstream project.

Inputs, the first that exists:
  1. the linked code repository: its contributors' commit counts and its newest commit by a person (from the
     registry when the repository is a registered code artifact, else read once from GitHub);
  2. otherwise the model repository's own commit history on the Hugging Face Hub (captured at ingest: the
     newest 300 commits with their authors and dates; read once from the Hub when ingest could not).
  Bots never count: GitHub accounts ending in [bot] or typed Bot; on the Hub `system` (the Hub's own commits),
  `SFconvertbot`, `librarian-bot`, `github-actions` and accounts ending in -bot / _bot. A Hub commit with k
  people among its authors counts 1/k for each.
Formula:
  shares     p_i = commits_i / total commits of people
  people     effective number of contributors N = 1 / sum(p_i^2) (1 when one person wrote everything;
             k people with equal shares give k)
  carrying   log2(N) / log2(8): 0 for a single author, 1 from eight equally active people on
  activity   1 when a person committed within the last year; then -0.25 a year, never below 0.5
  score      carrying * activity
No data rule: no code repository (none linked, or GitHub does not know it) and no Hub history (a model not
from Hugging Face, or one the Hub no longer knows), or no commit by a person in the source read: no one can
be shown to carry the project, 0.
A Hub history that can be read neither at ingest nor at rating time fails the rating (never a made-up 0).
"""

from __future__ import annotations

import math

from package.routers.rating.inputs.github_facts import RepoFacts, is_bot
from package.routers.rating.inputs.hub_history import HubHistory
from package.routers.rating.metrics.base import Metric, Outcome, RatingContext, clamp

FULL_TEAM = 8
ACTIVE_YEARS = 1.0
DECAY_PER_YEAR = 0.25
MIN_ACTIVITY = 0.5


def effective_people(counts: list[float]) -> float:
    """Inverse Simpson index of commit shares: the number of equally active people it amounts to."""
    total = sum(counts)
    if total <= 0:
        return 0.0
    return 1.0 / sum((count / total) ** 2 for count in counts if count > 0)


def activity(years_idle: float | None) -> float:
    """1 while someone committed within a year, then decaying to MIN_ACTIVITY."""
    if years_idle is None or years_idle <= ACTIVE_YEARS:
        return 1.0
    return max(MIN_ACTIVITY, 1.0 - DECAY_PER_YEAR * (years_idle - ACTIVE_YEARS))


def carried(ctx: RatingContext, source: str, people: dict[str, float], newest: str | None) -> Outcome:
    """The score of commit credits per person and the date of the newest commit by a person."""
    counts = [count for count in people.values() if count > 0]
    effective = effective_people(counts)
    carrying = clamp(math.log2(effective) / math.log2(FULL_TEAM)) if effective > 1 else 0.0
    idle = ctx.years_since(newest)
    active = activity(idle)
    top_login, top_count = max(people.items(), key=lambda item: item[1])
    total = round(sum(counts))
    commits = f"{total} commit{'' if total == 1 else 's'} by people"
    share = top_count / sum(counts)
    who = (
        f"one person ({top_login}) made all {commits}"
        if len(counts) == 1
        else f"{len(counts)} people, the top one ({top_login}) made {share:.0%} of {commits}"
    )
    reason = f"{source}: {who}; effectively {effective:.2f} people; " + (
        f"last commit {idle:.1f} years ago (activity x{active:.2f})" if idle is not None else "no dates"
    )
    return Outcome(clamp(carrying * active), reason)


def from_github(ctx: RatingContext, facts: RepoFacts) -> Outcome:
    """Bus factor of the linked code repository."""
    people = {
        str(c["login"]): float(c.get("contributions") or 0)
        for c in facts.contributors
        if c.get("login") and not is_bot(c.get("login"), c.get("type"))
    }
    if not any(count > 0 for count in people.values()):
        return Outcome(0.0, f"{facts.repo_id} lists no commits by people")
    dates = [c.get("date") for c in facts.commits if not is_bot(c.get("login"), c.get("type"))]
    newest = max((d for d in dates if d), default=None) or facts.stats.get("pushed_at")
    return carried(ctx, f"{facts.repo_id} ({facts.origin})", people, newest)


def from_hub(ctx: RatingContext, history: HubHistory, absence: str) -> Outcome:
    """Bus factor of the model repository's own Hub history (the model has no code repository)."""
    people = history.credits()
    if not people:
        return Outcome(
            0.0, f"no one can be shown to carry the project: {absence}; the {history.described} has no "
            "commit by a person (only the Hub's and bots' own)",
        )  # fmt: skip
    return carried(ctx, f"{absence}; {history.described}", people, history.newest_by_a_person())


def compute(ctx: RatingContext) -> Outcome:
    """Score how many people carry the project."""
    facts = ctx.code_facts()
    if facts is not None:
        return from_github(ctx, facts)
    history = ctx.hub_history()
    if history is None:
        return Outcome(
            0.0, f"no one can be shown to carry the project: {ctx.code_absence()}, and no Hugging Face "
            "commit history (the model does not come from the Hub, or the Hub no longer knows it)",
        )  # fmt: skip
    return from_hub(ctx, history, ctx.code_absence())


METRIC = Metric(name="bus_factor", weight=0.10, compute=compute)
