"""tree_score metric: mean net score of the registered parents; not applicable without any."""

from __future__ import annotations

import pytest

from package.routers.rating.metrics.tree_score import compute
from tests.helpers import make_context


def test_mean_of_the_parents():
    outcome = compute(make_context(parent_scores={"p1": 0.4, "p2": 0.8}))
    assert outcome.score == pytest.approx(0.6) and outcome.applicable


def test_no_parent_is_not_applicable_and_names_the_unregistered_base():
    outcome = compute(make_context(linked={"base_models": ["org/base"]}))
    assert not outcome.applicable and "org/base" in outcome.reason
