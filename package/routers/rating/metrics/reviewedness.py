"""reviewedness: the share of the code repository's code that arrived through reviewed pull requests.

Inputs: the linked code repository's most recently closed pull requests (one GitHub call) and, for the newest
merged ones (`REGISTRY_RATING_PULL_SAMPLE`, 10 by default, 3 without GITHUB_TOKEN), their reviews and changed
files (two calls each); fetched once per repository and cached.
Formula: lines added to code files (not weights, data, media or documentation) by merged pull requests that
got a review (APPROVED, CHANGES_REQUESTED or COMMENTED) from someone other than their author and not a bot,
divided by the lines added to code files by all those merged pull requests. When the sampled pull requests
add no code lines, the share of reviewed pull requests is used instead.
Rules for missing data (the spec's): no linked repository (or GitHub does not know it): -1, the only
negative score, left out of net_score. A repository without any merged pull request: 0 (none of its code
arrived through review). Limit: commits pushed straight to the branch are not seen by the pull-request API,
so they are not in the denominator; the reason says how many pull requests were read.
"""

from __future__ import annotations

from package.routers.rating.metrics.base import Metric, Outcome, RatingContext

NO_REPOSITORY = -1.0


def compute(ctx: RatingContext) -> Outcome:
    """Score how much of the code was reviewed."""
    facts = ctx.review_facts()
    if facts is None:
        return Outcome(NO_REPOSITORY, f"not applicable: {ctx.code_absence()}", applicable=False)
    if not facts.pulls:
        return Outcome(
            0.0,
            f"{facts.repo_id}: none of its {facts.closed_listed} most recently closed pull requests was "
            "merged, so no code is known to have been reviewed",
        )
    total = sum(p.code_additions for p in facts.pulls)
    reviewed = sum(p.code_additions for p in facts.pulls if p.reviewed)
    reviewed_pulls = sum(p.reviewed for p in facts.pulls)
    if total > 0:
        score = reviewed / total
        basis = f"{reviewed} of {total} added lines of code"
    else:
        score = reviewed_pulls / len(facts.pulls)
        basis = "no code lines added; share of reviewed pull requests"
    return Outcome(
        score,
        f"{facts.repo_id}: {reviewed_pulls} of the {len(facts.pulls)} newest merged pull requests were "
        f"reviewed by someone else ({basis})",
    )


METRIC = Metric(name="reviewedness", weight=0.07, compute=compute)
