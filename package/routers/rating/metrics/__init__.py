"""The metric registry: every module of this package that defines `METRIC` is a metric.

Adding a metric is adding one module with a `METRIC = Metric(name, weight, compute)`; net_score renormalises
the weights of the metrics that apply, so no other file changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from package.routers.rating.metrics.base import Metric

_NOT_METRICS = {"base"}


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
    return tuple(found.values())
