"""dataset_and_code_score metric: half data, half code, each from registered to merely described."""

from __future__ import annotations

from package.routers.artifacts.interface import ArtifactType
from package.routers.rating.metrics.dataset_and_code_score import compute
from tests.helpers import make_context, make_record


def test_named_but_unregistered_dataset_and_linked_repository():
    ctx = make_context(linked={"datasets": ["org/data"], "code": ["https://github.com/org/code"]})
    assert compute(ctx).score == 0.75


def test_registered_dataset_counts_fully():
    dataset = make_record("d1", "org/data", source_kind="hf_dataset", artifact_type=ArtifactType.DATASET)
    ctx = make_context(linked={"datasets": ["org/data"]}, records=[dataset])
    assert compute(ctx).score == 0.5


def test_nothing_scores_zero():
    assert compute(make_context()).score == 0.0
