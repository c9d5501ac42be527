"""code_quality metric: without a code repository, the source files a model repository ships are rated."""

from __future__ import annotations

from package.routers.rating.metrics.code_quality import compute, shipped_code
from tests.helpers import make_context


def test_no_code_at_all_scores_zero():
    outcome = compute(make_context(files=[{"path": "model.safetensors", "size": 10}]))
    assert outcome.score == 0.0 and "ships no source file" in outcome.reason


def test_shipped_source_files_are_rated_as_code():
    ctx = make_context(files=[{"path": "modeling_acme.py", "size": 2000}, {"path": "README.md", "size": 10}])
    facts = shipped_code(ctx)
    assert facts is not None and "modeling_acme.py" in facts.origin
    score = compute(ctx).score
    assert isinstance(score, float) and score > 0.0
