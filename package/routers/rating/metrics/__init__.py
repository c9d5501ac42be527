"""The metric registry: every module of this package that defines `METRIC` is a metric.

Adding a metric is adding one module with a `METRIC = Metric(name, weight, compute)` whose name is a field of
the spec's `ModelRating` (with its `<name>_latency`), and re-balancing the weights so they add up to 1 again:
the registry refuses to start otherwise, rather than dropping an unknown score or re-weighting the others
silently. net_score renormalises only over the metrics that apply to a model.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from package.routers.rating.interface import ModelRating
from package.routers.rating.metrics.base import Metric

_NOT_METRICS = {"base"}
WEIGHT_TOLERANCE = 1e-9


@lru_cache(maxsize=1)
def all_metrics() -> tuple[Metric, ...]:
    """Every metric, in module-name order."""
    found: dict[str, Metric] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _NOT_METRICS or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        metric = getattr(module, "METRIC", None)
        if not isinstance(metric, Metric):
            continue
        if metric.name in found:
            raise RuntimeError(f"two metrics are named {metric.name!r}")
        found[metric.name] = metric
    check_metrics(tuple(found.values()))
    return tuple(found.values())


class MetricRegistryError(RuntimeError):
    """The metric modules do not match the spec's ModelRating, or their weights do not add up to 1."""


def spec_metric_names() -> set[str]:
    """The score fields of the spec's ModelRating (each with a `<name>_latency` partner), net_score aside."""
    fields = set(ModelRating.model_fields)
    return {name for name in fields if f"{name}_latency" in fields} - {"net_score"}


def check_metrics(metrics: tuple[Metric, ...]) -> None:
    """Refuse metrics the spec does not rate, spec scores no metric computes, and weights not summing to 1."""
    names = {m.name for m in metrics}
    expected = spec_metric_names()
    if names != expected:
        raise MetricRegistryError(
            f"metrics and the spec's ModelRating differ: not in the spec {sorted(names - expected)}, "
            f"no metric for {sorted(expected - names)}"
        )
    negative = sorted(m.name for m in metrics if m.weight < 0)
    total = sum(m.weight for m in metrics)
    if negative or abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise MetricRegistryError(
            f"metric weights must be >= 0 and add up to 1, not {total:.4f} (negative: {negative}); "
            "re-balance them explicitly when adding a metric"
        )
