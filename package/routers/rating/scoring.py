"""Run every metric against one context, concurrently, and combine them into the spec's ModelRating.

net_score = sum(weight_i * score_i) / sum(weight_i) over the metrics that apply (reviewedness without a
repository and tree_score without parents do not), a device map counting as its mean. Its latency is the
rating's wall time, since it needs every metric.

A metric whose upstream input cannot be read now (GitHub down or rate-limited, nothing fetched before) is
degraded, not fatal: it scores 0, is left out of net_score, and `/rate/details` names it with the reason; such
a rating is answered but never stored, so the next request computes it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from package.core.background import ProcessWide
from package.routers.rating.config import get_rating_settings
from package.routers.rating.context import MetricUnavailable, RatingContext
from package.routers.rating.errors import RatingFailed as RatingFailed
from package.routers.rating.interface import (
    MODEL_CATEGORY,
    MetricReport,
    ModelRating,
    RatingInputs,
    RatingReport,
    SizeScore,
)
from package.routers.rating.metrics import all_metrics
from package.routers.rating.metrics.base import Metric, Outcome

logger = logging.getLogger("registry.rating")
SCORE_DIGITS = 4
LATENCY_DIGITS = 6
DEGRADED = "degraded, its input could not be read now"


# Metric computations of every rating share one pool (REGISTRY_RATING_METRIC_WORKERS).
_pool = ProcessWide(
    lambda: ThreadPoolExecutor(
        max_workers=get_rating_settings().rating_metric_workers, thread_name_prefix="rating-metric"
    ),
    lambda pool: pool.shutdown(wait=False, cancel_futures=True),
)


def _timed(metric: Metric, ctx: RatingContext) -> tuple[Outcome, float]:
    started = time.perf_counter()
    outcome = metric.compute(ctx)
    return outcome, time.perf_counter() - started


def _value(score: float | dict[str, float]) -> float:
    return sum(score.values()) / len(score) if isinstance(score, dict) else float(score)


def net_score(outcomes: dict[str, Outcome], weights: dict[str, float]) -> float:
    """Weighted mean of the applicable metrics' scores."""
    applicable = [(weights[name], _value(o.score)) for name, o in outcomes.items() if o.applicable]
    total = sum(weight for weight, _ in applicable)
    return sum(weight * value for weight, value in applicable) / total if total else 0.0


def _rounded(score: float | dict[str, float]) -> float | dict[str, float]:
    if isinstance(score, dict):
        return {key: round(value, SCORE_DIGITS) for key, value in score.items()}
    return round(score, SCORE_DIGITS)


def _degraded(metric: Metric, reason: str, latency: float) -> tuple[Outcome, float]:
    """A metric whose input could not be read: 0 (per device for size_score), not applicable."""
    score: float | dict[str, float] = 0.0
    if metric.name == "size_score":
        score = dict.fromkeys(SizeScore.model_fields, 0.0)
    return Outcome(score, f"{DEGRADED}: {reason}", applicable=False), latency


def _collect(
    ctx: RatingContext, metrics: tuple[Metric, ...], *, parallel: bool, timeout: float
) -> tuple[dict[str, tuple[Outcome, float]], list[str]]:
    results: dict[str, tuple[Outcome, float]] = {}
    failures: list[str] = []
    started = time.perf_counter()
    futures: dict[str, Future[tuple[Outcome, float]]] = {}
    if parallel:
        pool = _pool.get()
        futures = {m.name: pool.submit(_timed, m, ctx) for m in metrics}
    for metric in metrics:
        try:
            if parallel:
                remaining = max(0.0, timeout - (time.perf_counter() - started))
                results[metric.name] = futures[metric.name].result(timeout=remaining)
            else:
                results[metric.name] = _timed(metric, ctx)
        except FutureTimeout:
            failures.append(f"{metric.name}: not finished within {timeout:g} s")
        except MetricUnavailable as exc:
            results[metric.name] = _degraded(metric, str(exc), time.perf_counter() - started)
        except RatingFailed as exc:
            failures.append(f"{metric.name}: {exc.message}")
        except Exception as exc:  # a bug in one metric must name the metric, not hide behind a bare 500
            logger.exception("metric failed", extra={"metric": metric.name, "artifact_id": ctx.record.id})
            failures.append(f"{metric.name}: internal error ({type(exc).__name__}: {exc})")
    return results, failures


def rate(ctx: RatingContext, *, parallel: bool = True) -> RatingReport:
    """Compute every metric (concurrently unless `parallel` is False) and the net score."""
    started = time.perf_counter()
    metrics = all_metrics()
    timeout = get_rating_settings().rating_metric_timeout_seconds
    results, failures = _collect(ctx, metrics, parallel=parallel, timeout=timeout)
    if failures:
        raise RatingFailed(
            f"Model {ctx.record.name!r} ({ctx.record.id}) could not be rated: " + "; ".join(failures),
            failures=failures,
        )
    outcomes = {name: outcome for name, (outcome, _) in results.items()}
    weights = {m.name: m.weight for m in metrics}
    net = net_score(outcomes, weights)
    wall = time.perf_counter() - started
    fields: dict[str, object] = {"name": ctx.record.name, "category": MODEL_CATEGORY}
    for name, (outcome, latency) in results.items():
        fields[name] = _rounded(outcome.score)
        fields[f"{name}_latency"] = round(latency, LATENCY_DIGITS)
    degraded = [f"{name}: {o.reason}" for name, o in outcomes.items() if o.reason.startswith(DEGRADED)]
    fields["net_score"] = round(net, SCORE_DIGITS)
    fields["net_score_latency"] = round(wall, LATENCY_DIGITS)
    reports = {
        name: MetricReport(
            score=_rounded(outcome.score),
            latency=round(latency, LATENCY_DIGITS),
            applicable=outcome.applicable,
            weight=weights[name],
            reason=outcome.reason,
        )
        for name, (outcome, latency) in results.items()
    }
    return RatingReport(
        artifact_id=ctx.record.id,
        generation=ctx.record.generation,
        rated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        wall_seconds=round(wall, LATENCY_DIGITS),
        rating=ModelRating.model_validate(fields),
        metrics=reports,
        inputs=_inputs(ctx),
        degraded=degraded,
    )


def _parent_scores(ctx: RatingContext) -> dict[str, float]:
    """The parents' net scores tree_score read (already read: the context keeps them)."""
    try:
        return {parent.artifact_id: parent.net_score for parent in ctx.parent_scores()}
    except MetricUnavailable:  # a degraded rating, which is not stored
        return {}


def _inputs(ctx: RatingContext) -> RatingInputs:
    return RatingInputs(
        dataset_ids=[r.id for r in ctx.links.datasets],
        code_ids=[r.id for r in ctx.links.code],
        parent_ids=list(ctx.parent_ids),
        parent_scores=_parent_scores(ctx),
        code_repository=ctx.links.code_repository,
        dataset_refs=list(ctx.refs.dataset_refs),
        code_refs=list(ctx.refs.code_refs),
        parent_refs=list(ctx.refs.parent_refs),
        owner=ctx.refs.owner,
        model_name=ctx.refs.model_name,
    )


def shutdown() -> None:
    """Stop the metric pool (tests and process exit); a new one starts on next use."""
    _pool.reset()
