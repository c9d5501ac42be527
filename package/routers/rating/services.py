"""The rating domain's public face: rate models (cached), explain ratings, gate ingest, pipeline stats.

A model is rated in the background right after it is registered or changed, and the result is stored; `/rate`
answers from that store, or joins the computation under way, or computes one. A stored rating is dropped when
anything it read changes: the model itself, a registered dataset / code / parent it names (including one that
is registered later), or a parent's net score.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from package.core.auth_middleware import Principal
from package.core.background import ProcessWide
from package.core.config import Settings, get_settings
from package.core.errors import BadRequest, FailedDependency, NotFound
from package.core.events import ArtifactChange, ArtifactEvent, add_ingest_gate, on_artifact_change, on_reset
from package.core.storage import Storage, get_storage
from package.core.upstream.clients import Upstreams, get_upstreams
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactDetails, ArtifactRecord, ArtifactType, AuditAction
from package.routers.lineage import services as lineage_services
from package.routers.lineage.interface import ModelRefs
from package.routers.rating import database, scoring
from package.routers.rating.config import get_rating_settings
from package.routers.rating.context import MetricUnavailable, ParentScore, RatingContext
from package.routers.rating.errors import NotAModel
from package.routers.rating.inputs.card import parse_card
from package.routers.rating.inputs.linking import model_refs, refers_to
from package.routers.rating.interface import ModelRating, RatingInputs, RatingPipelineStats, RatingReport
from package.routers.rating.jobs import RatingPipeline
from package.routers.rating.scoring import RatingFailed
from package.routers.safety import services as safety_services

logger = logging.getLogger("registry.rating")

_pipeline = ProcessWide(
    lambda: RatingPipeline(get_rating_settings().rating_workers),
    lambda pipeline: pipeline.shutdown(wait=True),
)


def get_pipeline() -> RatingPipeline:
    """The process's rating pipeline, created on first use."""
    return _pipeline.get()


def reset_pipeline() -> None:
    """Stop the process's pipeline and metric pool (tests; a new one starts on next use)."""
    _pipeline.reset()
    scoring.shutdown()


def pipeline_stats() -> RatingPipelineStats:
    """Queue depth, running jobs, recent failures and the last rating's time (for the health domain)."""
    return get_pipeline().stats()


# ----- reading ratings ---------------------------------------------------------------------------------
def _model_details(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactDetails:
    details = artifact_services.details(storage, artifact_id, include_hidden=include_hidden)
    if details.record.type is not ArtifactType.MODEL:
        raise NotAModel(
            f"Artifact {artifact_id} is a {details.record.type.value}, not a model: only models are rated."
        )
    return details


def rate_model(
    storage: Storage, upstreams: Upstreams, settings: Settings, *, artifact_id: str, principal: Principal
) -> ModelRating:
    """The model's rating (400 non-model, 404 unknown, 500 naming a metric that failed); audited as RATE."""
    details = _model_details(storage, artifact_id)
    report = current_report(storage, upstreams, settings, details)
    artifact_services.record_audit(
        storage, record=details.record, principal=principal, action=AuditAction.RATE
    )
    return report.rating


def rating_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, *, artifact_id: str
) -> RatingReport:
    """The model's rating with every metric's reason and the inputs it read, and its safety verdict."""
    report = current_report(storage, upstreams, settings, _model_details(storage, artifact_id))
    return report.model_copy(update={"safety": safety_services.summary(storage, artifact_id)})


def current_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, details: ArtifactDetails
) -> RatingReport:
    """The stored rating if it is of the model's current generation, else one computed now (shared)."""
    stored = database.get_report(storage, details.record.id)
    if stored is not None and stored.generation == details.record.generation:
        return stored
    refs = model_refs(details.record, details.snapshot, parse_card(details.readme))

    def compute(epoch: int) -> RatingReport:
        report = _rate(storage, upstreams, settings, details, path=frozenset(), parallel=True)
        _store(storage, report, epoch)
        return report

    return get_pipeline().compute(details.record.id, compute, watch=refs)


def _rate(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    details: ArtifactDetails,
    *,
    path: frozenset[str],
    parallel: bool,
) -> RatingReport:
    """Compute a rating now. `path`: the models whose parents are being rated (cycle guard)."""
    records = artifact_services.all_records(storage)
    trail = path | {details.record.id}
    context = RatingContext(
        storage=storage,
        upstreams=upstreams,
        settings=settings,
        details=details,
        records=records,
        parent_ids=_parent_ids(storage, details, records),
        score_parent=lambda parent: _parent_score(storage, upstreams, settings, parent, trail),
    )
    return scoring.rate(context, parallel=parallel)


def _parent_ids(storage: Storage, details: ArtifactDetails, records: list[ArtifactRecord]) -> list[str]:
    """The model's registered direct parents, from the lineage graph.

    A model the lineage graph does not show yet (unpublished, REGISTRY_ASYNC_RATING) falls back to the base
    models its card names.
    """
    try:
        return lineage_services.parent_ids(storage, details.record.id)
    except NotFound:
        refs = model_refs(details.record, details.snapshot, parse_card(details.readme))
        return [r.id for r in records if r.type is ArtifactType.MODEL and refers_to(refs, r)]


def _ancestor_ids(storage: Storage, artifact_id: str) -> list[str]:
    try:
        return lineage_services.ancestor_ids(storage, artifact_id)
    except (NotFound, BadRequest):
        return []


def _parent_score(
    storage: Storage, upstreams: Upstreams, settings: Settings, parent_id: str, path: frozenset[str]
) -> ParentScore | None:
    """A parent's net score: its stored rating, or one computed now in this thread (None on a cycle)."""
    if parent_id in path:
        return None
    try:
        details = _model_details(storage, parent_id)
    except (NotFound, BadRequest):
        return None
    stored = database.get_report(storage, parent_id)
    if stored is not None and stored.generation == details.record.generation:
        return ParentScore(parent_id, details.record.name, stored.rating.net_score)
    epoch = get_pipeline().epoch(parent_id)
    try:
        report = _rate(storage, upstreams, settings, details, path=path, parallel=False)
    except RatingFailed as exc:
        raise MetricUnavailable(f"parent {details.record.name} could not be rated ({exc.message})") from exc
    _store(storage, report, epoch)
    return ParentScore(parent_id, details.record.name, report.rating.net_score)


def _store(storage: Storage, report: RatingReport, epoch: int) -> None:
    """Keep a rating unless its model changed meanwhile; a changed net score invalidates the children."""
    previous = database.get_report(storage, report.artifact_id)

    def write() -> None:
        try:
            current = artifact_services.details(storage, report.artifact_id, include_hidden=True)
        except NotFound:
            return
        if current.record.generation == report.generation:
            database.put_report(storage, report)

    if not get_pipeline().store_if_current(report.artifact_id, epoch, write):
        return
    if previous is None or abs(previous.rating.net_score - report.rating.net_score) > 1e-9:
        # In a lineage cycle a child is also an ancestor: re-rating it would re-rate this model, and so on.
        ancestors = set(_ancestor_ids(storage, report.artifact_id))
        for child in database.list_reports(storage):
            if report.artifact_id in child.inputs.parent_ids and child.artifact_id not in ancestors:
                _invalidate(storage, child.artifact_id)


# ----- keeping ratings current -------------------------------------------------------------------------
def _refs(inputs: RatingInputs) -> ModelRefs:
    return ModelRefs(
        dataset_refs=tuple(inputs.dataset_refs),
        code_refs=tuple(inputs.code_refs),
        parent_refs=tuple(inputs.parent_refs),
        owner=inputs.owner,
        model_name=inputs.model_name,
    )


def _invalidate(storage: Storage, artifact_id: str) -> None:
    """Drop a model's rating (and any computation of it under way) and rate it again in the background."""
    get_pipeline().invalidate(artifact_id)
    database.delete_report(storage, artifact_id)
    _schedule(storage, artifact_id)


def _dependents(storage: Storage, record: ArtifactRecord) -> set[str]:
    """Models whose rating reads (or would read) this artifact."""
    found = {
        report.artifact_id
        for report in database.list_reports(storage)
        if record.id in report.inputs.used_ids or refers_to(_refs(report.inputs), record)
    }
    found |= {model for model, refs in get_pipeline().watched().items() if refers_to(refs, record)}
    if record.type is ArtifactType.MODEL:
        with contextlib.suppress(NotFound):
            found |= set(lineage_services.descendant_ids(storage, record.id))
    found.discard(record.id)
    return found


def _on_artifact_change(change: ArtifactChange) -> None:
    storage = get_storage()
    pipeline = get_pipeline()
    event, artifact_id = change.event, change.artifact_id
    if event is ArtifactEvent.DELETED:
        pipeline.invalidate(artifact_id)
        database.delete_report(storage, artifact_id)
        readers = {r.artifact_id for r in database.list_reports(storage) if artifact_id in r.inputs.used_ids}
        for model in readers | set(pipeline.watched()):
            _invalidate(storage, model)
        return
    details = artifact_services.changed_details(change) or _details_or_none(storage, artifact_id)
    if details is None:
        return
    if event is ArtifactEvent.UPDATED:
        pipeline.invalidate(artifact_id)
        database.delete_report(storage, artifact_id)
    if details.record.type is ArtifactType.MODEL:
        _schedule(storage, artifact_id, publish=details.hidden)
    if not details.hidden:
        for model in _dependents(storage, details.record):
            _invalidate(storage, model)


def _details_or_none(storage: Storage, artifact_id: str) -> ArtifactDetails | None:
    try:
        return artifact_services.details(storage, artifact_id, include_hidden=True)
    except NotFound:  # deleted meanwhile
        return None


def _schedule(storage: Storage, artifact_id: str, *, publish: bool = False) -> None:
    settings = get_settings()
    if not (publish or get_rating_settings().rate_on_ingest):
        return
    upstreams = get_upstreams()
    get_pipeline().submit(
        lambda: _background(storage, upstreams, settings, artifact_id, publish=publish),
        what=f"rating of {artifact_id}",
    )


def _background(
    storage: Storage, upstreams: Upstreams, settings: Settings, artifact_id: str, *, publish: bool
) -> None:
    """Rate a model off the request path; with `publish`, publish or drop the hidden model (the 202 path)."""
    try:
        details = _model_details(storage, artifact_id, include_hidden=True)
    except (NotFound, BadRequest):
        return
    try:
        report = current_report(storage, upstreams, settings, details)
    except RatingFailed as exc:
        get_pipeline().note_failure(exc.message)
        if publish:
            logger.info("unrated model dropped", extra={"artifact_id": artifact_id, "reason": exc.message})
            artifact_services.discard(storage, artifact_id)
        return
    if not publish:
        return
    failing = below_threshold(report, get_rating_settings().ingest_min_score)
    if failing:
        logger.info("model dropped for its rating", extra={"artifact_id": artifact_id, "scores": failing})
        artifact_services.discard(storage, artifact_id)
    elif artifact_services.publish(storage, artifact_id):
        logger.info("rated model published", extra={"artifact_id": artifact_id})
        for model in _dependents(storage, details.record):  # e.g. children registered while it was hidden
            _invalidate(storage, model)


# ----- the ingest gate (the spec's 424) ----------------------------------------------------------------
def below_threshold(report: RatingReport, threshold: float | None) -> dict[str, float]:
    """The applicable scores under the threshold (a device map counts by its best device)."""
    if threshold is None:
        return {}
    return {name: value for name, value in report.applicable_scores().items() if value < threshold}


def _ingest_gate(artifact_id: str) -> None:
    """Refuse a model whose rating misses REGISTRY_INGEST_MIN_SCORE (synchronous path only)."""
    settings = get_settings()
    threshold = get_rating_settings().ingest_min_score
    if threshold is None or settings.async_rating:
        return
    storage = get_storage()
    details = artifact_services.details(storage, artifact_id, include_hidden=True)
    if details.record.type is not ArtifactType.MODEL:
        return
    name = details.record.name
    try:
        report = current_report(storage, get_upstreams(), settings, details)
    except RatingFailed as exc:
        raise FailedDependency(
            f"Model {name!r} was not registered: it could not be rated, and this registry admits only models "
            f"rated at least {threshold} on every metric ({exc.message})"
        ) from exc
    failing = below_threshold(report, threshold)
    if failing:
        listed = ", ".join(f"{metric} {value:.2f}" for metric, value in sorted(failing.items()))
        raise FailedDependency(
            f"Model {name!r} was not registered: its rating is below the required {threshold} for {listed}.",
            scores=failing,
        )


def _on_reset(_: Storage) -> None:
    get_pipeline().forget()


def current_net_scores(storage: Storage, artifact_ids: Sequence[str]) -> dict[str, float]:
    """Net score of each of these models whose stored rating is of its current generation."""
    records = artifact_services.records_by_id(storage, artifact_ids)
    reports = [database.get_report(storage, artifact_id) for artifact_id in records]
    return {
        report.artifact_id: report.rating.net_score
        for report in reports
        if report is not None and records[report.artifact_id].generation == report.generation
    }


def register_hooks() -> None:
    """Rate models after ingest, keep ratings current, gate ingest, and forget everything on reset."""
    artifact_services.add_score_source(current_net_scores)
    on_artifact_change(_on_artifact_change)
    add_ingest_gate(_ingest_gate)
    on_reset(_on_reset)


# ----- resuming after a restart ------------------------------------------------------------------------
def resume_background() -> int:
    """Queue the ratings a stopped process left undone, read from storage; returns how many.

    Hidden models (the 202 path) are rated and then published or dropped; with REGISTRY_RATE_ON_INGEST,
    every model without a stored rating is rated.
    """
    storage = get_storage()
    rated = {report.artifact_id for report in database.list_reports(storage)}
    visible = {record.id for record in artifact_services.all_records(storage)}
    queued = 0
    for record in artifact_services.all_records(storage, include_hidden=True):
        hidden = record.id not in visible
        if record.type is not ArtifactType.MODEL or not (hidden or record.id not in rated):
            continue
        if hidden or get_rating_settings().rate_on_ingest:
            _schedule(storage, record.id, publish=hidden)
            queued += 1
    if queued:
        logger.info("resumed ratings left undone", extra={"count": queued})
    return queued


def wait_background(timeout: float) -> bool:
    """Wait until no rating job is queued or running; False on time-out."""
    return get_pipeline().wait_idle(timeout)


def stored_report(storage: Storage, record: ArtifactRecord) -> RatingReport | None:
    """The model's stored rating if it is of its current generation, else None (nothing is computed)."""
    stored = database.get_report(storage, record.id)
    if stored is None or stored.generation != record.generation:
        return None
    return stored
