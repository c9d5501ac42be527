"""size_score metric: the smallest weight variant against each device's budget."""

from __future__ import annotations

import pytest

from package.routers.rating.metrics.size_score import GIB, compute, variants
from tests.helpers import make_context, make_snapshot


def test_no_weights_fit_everywhere():
    assert compute(make_context(files=[{"path": "README.md", "size": 5}])).score == {
        "raspberry_pi": 1.0,
        "jetson_nano": 1.0,
        "desktop_pc": 1.0,
        "aws_server": 1.0,
    }


def test_smallest_variant_counts_and_shards_add_up():
    files = [
        {"path": "model-00001-of-00002.safetensors", "size": GIB},
        {"path": "model-00002-of-00002.safetensors", "size": GIB},
        {"path": "onnx/model_quantized.onnx", "size": GIB // 2},
        {"path": "optimizer.pt", "size": 50 * GIB},
    ]
    assert sorted(variants(make_snapshot(files=files).files).values()) == [GIB // 2, 2 * GIB]
    score = compute(make_context(files=files)).score
    assert isinstance(score, dict)
    assert score["raspberry_pi"] == pytest.approx(0.5)
    assert score["aws_server"] > score["desktop_pc"] > score["jetson_nano"] > score["raspberry_pi"]
