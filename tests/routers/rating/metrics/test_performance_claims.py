"""performance_claims metric: model-index results, stated numbers, and a reference to check them."""

from __future__ import annotations

from package.routers.rating.metrics.performance_claims import compute
from tests.helpers import make_context

MODEL_INDEX = {
    "model-index": [
        {
            "name": "acme/model",
            "results": [
                {
                    "task": {"type": "text-classification"},
                    "dataset": {"type": "glue", "name": "GLUE"},
                    "metrics": [{"type": "accuracy", "value": 0.91}],
                }
            ],
        }
    ]
}


def test_structured_results_count():
    score = compute(make_context(card_data=MODEL_INDEX)).score
    assert isinstance(score, float) and score >= 0.5


def test_nothing_claimed_scores_zero():
    assert compute(make_context(readme="A model.")).score == 0.0
