"""bus_factor: how many people carry the model's upstream code project.

Inputs: the linked code repository's contributors and their commit counts (bots left out) and the date of its
newest commit by a person; from the registry when the repository is a registered code artifact, else read once
from GitHub.
Formula:
  shares     p_i = commits_i / total commits of people
  people     effective number of contributors N = 1 / sum(p_i^2) (1 when one person wrote everything;
             k people with equal shares give k)
  carrying   log2(N) / log2(8): 0 for a single author, 1 from eight equally active people on
  activity   1 when a person committed within the last year; then -0.25 a year, never below 0.5
  score      carrying * activity
No data rule: without a linked repository (or when GitHub does not know it), or without any commit by a
person, no one can be shown to carry the project: 0.
"""

from __future__ import annotations

import math

from package.routers.rating.github_facts import is_bot
from package.routers.rating.metrics.base import Metric, Outcome, RatingContext, clamp

FULL_TEAM = 8
ACTIVE_YEARS = 1.0
DECAY_PER_YEAR = 0.25
MIN_ACTIVITY = 0.5


def effective_people(counts: list[int]) -> float:
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


def compute(ctx: RatingContext) -> Outcome:
    """Score how many people carry the project."""
    facts = ctx.code_facts()
    if facts is None:
        return Outcome(0.0, f"no one can be shown to carry the project: {ctx.code_absence()}")
    people = {
        str(c["login"]): int(c.get("contributions") or 0)
        for c in facts.contributors
        if c.get("login") and not is_bot(c.get("login"), c.get("type"))
    }
    counts = [count for count in people.values() if count > 0]
    if not counts:
        return Outcome(0.0, f"{facts.repo_id} lists no commits by people")
    effective = effective_people(counts)
    carrying = clamp(math.log2(effective) / math.log2(FULL_TEAM)) if effective > 1 else 0.0
    dates = [c.get("date") for c in facts.commits if not is_bot(c.get("login"), c.get("type"))]
    newest = max((d for d in dates if d), default=None) or facts.stats.get("pushed_at")
    idle = ctx.years_since(newest)
    active = activity(idle)
    top_login, top_count = max(people.items(), key=lambda item: item[1])
    reason = (
        f"{facts.repo_id} ({facts.origin}): {len(counts)} contributors, the top one ({top_login}) wrote "
        f"{top_count / sum(counts):.0%} of {sum(counts)} commits; effectively {effective:.2f} people; "
        + (f"last commit {idle:.1f} years ago (activity x{active:.2f})" if idle is not None else "no dates")
    )
    return Outcome(clamp(carrying * active), reason)


METRIC = Metric(name="bus_factor", weight=0.10, compute=compute)
