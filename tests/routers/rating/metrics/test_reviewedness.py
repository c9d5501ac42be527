"""reviewedness metric: without a code repository there is nothing to review."""

from __future__ import annotations

from package.routers.rating.metrics.reviewedness import compute
from tests.helpers import make_context


def test_no_repository_is_not_applicable():
    outcome = compute(make_context(readme="A model without any code link."))
    assert not outcome.applicable and "no code repository" in outcome.reason
