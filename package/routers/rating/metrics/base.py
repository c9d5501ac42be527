"""What a metric is: a name (the ModelRating field), a weight in net_score, and a function of the context."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from package.routers.rating.context import MetricUnavailable, RatingContext

__all__ = ["Metric", "MetricUnavailable", "Outcome", "RatingContext", "clamp", "log_share"]


@dataclass(frozen=True)
class Outcome:
    """A metric's score and the reason for it.

    `applicable=False` means the metric has no subject for this model (reviewedness without a repository,
    tree_score without parents): its score is reported, but net_score leaves it out.
    """

    score: float | dict[str, float]
    reason: str
    applicable: bool = True


@dataclass(frozen=True)
class Metric:
    """One trust metric."""

    name: str
    weight: float
    compute: Callable[[RatingContext], Outcome]


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    """The value limited to [low, high]."""
    return max(low, min(high, value))


def log_share(value: float, full: float) -> float:
    """log10(1 + value) / log10(1 + full), limited to [0, 1]: 1 at `full` and beyond."""
    if value <= 0:
        return 0.0
    return clamp(math.log10(1 + value) / math.log10(1 + full))
