"""dataset_quality metric: only registered datasets the model names are scored."""

from __future__ import annotations

from package.routers.rating.metrics.dataset_quality import compute
from tests.helpers import make_context


def test_unregistered_datasets_score_zero_and_are_named():
    outcome = compute(make_context(linked={"datasets": ["someone/corpus"]}))
    assert outcome.score == 0.0 and "someone/corpus" in outcome.reason
