"""The metric registry refuses metrics the spec does not rate and weights that do not add up to 1."""

from __future__ import annotations

from dataclasses import replace

import pytest

from package.routers.rating.interface import ModelRating
from package.routers.rating.metrics import MetricRegistryError, all_metrics, check_metrics, spec_metric_names
from package.routers.rating.metrics.base import Metric, Outcome


def test_the_shipped_metrics_are_exactly_the_spec_ones_and_weigh_one():
    metrics = all_metrics()
    assert {m.name for m in metrics} == spec_metric_names()
    assert len(metrics) == 11
    assert sum(m.weight for m in metrics) == pytest.approx(1.0)


def test_a_metric_the_spec_lacks_fails_loudly():
    extra = Metric("novelty", 0.0, lambda ctx: Outcome(1.0, "new"))
    with pytest.raises(MetricRegistryError, match="novelty"):
        check_metrics((*all_metrics(), extra))


def test_a_missing_metric_fails_loudly():
    with pytest.raises(MetricRegistryError, match="license"):
        check_metrics(tuple(m for m in all_metrics() if m.name != "license"))


def test_weights_must_be_rebalanced_explicitly():
    heavier = tuple(replace(m, weight=m.weight * 2) if m.name == "license" else m for m in all_metrics())
    with pytest.raises(MetricRegistryError, match="add up to 1"):
        check_metrics(heavier)


def test_model_rating_refuses_an_unknown_field():
    devices = ("raspberry_pi", "jetson_nano", "desktop_pc", "aws_server")
    fields: dict[str, object] = {name: 0.0 for name in ModelRating.model_fields}
    fields |= {"name": "m", "category": "MODEL", "size_score": dict.fromkeys(devices, 0.0)}
    ModelRating.model_validate(fields)
    with pytest.raises(ValueError, match="novelty"):
        ModelRating.model_validate(fields | {"novelty": 1.0})
