"""tree_score: the average net score of the model's parents in the lineage graph.

Inputs: the model's registered direct parents (the lineage domain's `parent_ids`: base models named by the
card, the Hub's tags or config.json that are registered here) and each parent's net score (its cached
rating, or one computed now).
Formula: mean of the parents' net scores.
No data rule: a model without registered parents has no supply chain to score: 0, left out of net_score (the
reason lists base models the card names that are not registered).
"""

from __future__ import annotations

from package.routers.rating.metrics.base import Metric, Outcome, RatingContext


def compute(ctx: RatingContext) -> Outcome:
    """Average the parents' net scores."""
    parents = ctx.parent_scores()
    if not parents:
        declared = ", ".join(ctx.refs.parent_refs)
        missing = f" (the card names {declared}, not registered)" if declared else ""
        return Outcome(0.0, f"not applicable: no registered parent model{missing}", applicable=False)
    mean = sum(p.net_score for p in parents) / len(parents)
    listed = ", ".join(f"{p.name} {p.net_score:.2f}" for p in parents)
    return Outcome(mean, f"mean net score of {len(parents)} parent(s): {listed}")


METRIC = Metric(name="tree_score", weight=0.06, compute=compute)
