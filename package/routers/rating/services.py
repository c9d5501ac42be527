"""The rating domain's public face: rate models (cached), explain ratings, gate ingest, pipeline stats.

A model is rated in the background right after it is registered or changed, and the result is stored; `/rate`
answers from that store, or joins the computation under way, or computes one. A stored rating is dropped when
anything it read changes: the model itself, a registered dataset / code / parent it names (including one that
is registered later), or a parent's net score.
"""

from __future__ import annotations

import contextlib
import logging

from package.core.auth_middleware import Principal
from package.core.background import ProcessWide
from package.core.config import Settings, get_settings
from package.core.errors import BadRequest, FailedDependency, NotFound
from package.core.events import ArtifactChange, ArtifactEvent, add_change_gate, on_artifact_change, on_reset
from package.core.storage import Storage, get_storage
from package.core.upstream.clients import Upstreams, get_upstreams
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.errors import ArtifactNotFound
from package.routers.artifacts.interface import ArtifactDetails, ArtifactRecord, ArtifactType, AuditAction
from package.routers.lineage import services as lineage_services
from package.routers.lineage.interface import ModelRefs
from package.routers.rating import database, scoring
from package.routers.rating.config import get_rating_settings
from package.routers.rating.context import MetricUnavailable, ParentScore, RatingContext
from package.routers.rating.errors import NotAModel
from package.routers.rating.inputs.card import Card, parse_card
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
def _model_record(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactRecord:
    """The model's record alone (no snapshot or README): 400 for another type, 404 unknown."""
    record = artifact_services.find_record(storage, artifact_id, include_hidden=include_hidden)
    if record is None:
        raise ArtifactNotFound(f"No artifact has id {artifact_id}.")
    if record.type is not ArtifactType.MODEL:
        raise NotAModel(
            f"Artifact {artifact_id} is a {record.type.value}, not a model: only models are rated."
        )
    return record


def _model_details(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactDetails:
    _model_record(storage, artifact_id, include_hidden=include_hidden)
    return artifact_services.details(storage, artifact_id, include_hidden=include_hidden)


def rate_model(
    storage: Storage, upstreams: Upstreams, settings: Settings, *, artifact_id: str, principal: Principal
) -> ModelRating:
    """The model's rating (400 non-model, 404 unknown, 500 naming a metric that failed); audited as RATE."""
    record = _model_record(storage, artifact_id)
    report = record_report(storage, upstreams, settings, record)
    artifact_services.record_audit(storage, record=record, principal=principal, action=AuditAction.RATE)
    return report.rating


def rating_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, *, artifact_id: str
) -> RatingReport:
    """The model's rating with every metric's reason and the inputs it read, and its safety verdict."""
    report = record_report(storage, upstreams, settings, _model_record(storage, artifact_id))
    return report.model_copy(update={"safety": safety_services.summary(storage, artifact_id)})


def record_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, record: ArtifactRecord
) -> RatingReport:
    """`current_report` of a model whose record is loaded: a current stored rating costs one read."""
    stored = database.get_report(storage, record.id)
    if stored is not None and stored.generation == record.generation:
        return stored
    details = artifact_services.details(storage, record.id, include_hidden=True)
    return current_report(storage, upstreams, settings, details)


def current_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, details: ArtifactDetails
) -> RatingReport:
    """The stored rating if it is of the model's current generation, else one computed now (shared)."""
    stored = database.get_report(storage, details.record.id)
    if stored is not None and stored.generation == details.record.generation:
        return stored
    card = parse_card(details.readme)
    refs = model_refs(details.record, details.snapshot, card)

    def compute(epoch: int) -> RatingReport:
        report = _rate(storage, upstreams, settings, details, path=frozenset(), parallel=True, card=card)
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
    card: Card | None = None,
) -> RatingReport:
    """Compute a rating now. `path`: the models whose parents are being rated (cycle guard).

    One lineage catalog serves the request; only the artifacts the model may name are read."""
    card = card or parse_card(details.readme)
    refs = model_refs(details.record, details.snapshot, card)
    catalog = lineage_services.open_catalog(storage)
    trail = path | {details.record.id}
    context = RatingContext(
        storage=storage,
        upstreams=upstreams,
        settings=settings,
        details=details,
        records=_named_candidates(storage, refs),
        parent_ids=_parent_ids(storage, details, refs, catalog),
        score_parent=lambda parent: _parent_score(storage, upstreams, settings, parent, trail),
        card=card,
    )
    return scoring.rate(context, parallel=parallel)


def _named_candidates(storage: Storage, refs: ModelRefs) -> list[ArtifactRecord]:
    """The registered datasets and code the model may name (a superset `resolve` narrows), oldest first."""
    datasets = lineage_services.named_records(
        storage, ArtifactType.DATASET, (*refs.dataset_refs, *refs.code_refs)
    )
    code = lineage_services.named_records(storage, ArtifactType.CODE, refs.code_refs, owner=refs.owner)
    return sorted([*datasets, *code], key=lambda r: (r.created_at, r.id))


def _parent_ids(
    storage: Storage, details: ArtifactDetails, refs: ModelRefs, catalog: lineage_services.Catalog
) -> list[str]:
    """The model's registered direct parents, from the lineage graph.

    A model the lineage graph does not show yet (unpublished, REGISTRY_ASYNC_RATING) falls back to the base
    models its card names.
    """
    try:
        return lineage_services.parent_ids(storage, details.record.id, catalog=catalog)
    except NotFound:
        named = lineage_services.named_records(storage, ArtifactType.MODEL, refs.parent_refs)
        return [r.id for r in named if refers_to(refs, r)]


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
        record = _model_record(storage, parent_id)
    except (NotFound, BadRequest):
        return None
    stored = database.get_report(storage, parent_id)
    if stored is not None and stored.generation == record.generation:
        return ParentScore(parent_id, record.name, stored.rating.net_score)
    try:
        details = artifact_services.details(storage, parent_id)
    except NotFound:
        return None
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
        current = artifact_services.find_record(storage, report.artifact_id, include_hidden=True)
        if current is not None and current.generation == report.generation:
            database.put_report(storage, report)

    if not get_pipeline().store_if_current(report.artifact_id, epoch, write):
        return
    if previous is None or abs(previous.rating.net_score - report.rating.net_score) > 1e-9:
        children = [
            child
            for child in _stored_reports(storage, database.dependents(storage, {f"id:{report.artifact_id}"}))
            if report.artifact_id in child.inputs.parent_ids
        ]
        if not children:
            return
        # In a lineage cycle a child is also an ancestor: re-rating it would re-rate this model, and so on.
        ancestors = set(_ancestor_ids(storage, report.artifact_id))
        for child in children:
            if child.artifact_id not in ancestors:
                _invalidate(storage, child.artifact_id)


def _stored_reports(storage: Storage, model_ids: set[str]) -> list[RatingReport]:
    """The stored ratings of these models (those that have one)."""
    reports = (database.get_report(storage, model_id) for model_id in sorted(model_ids))
    return [report for report in reports if report is not None]


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
    """Models whose rating reads (or would read) this artifact (found through the dependency index)."""
    repo_id = record.repo_id.lower()
    keys = {
        f"id:{record.id}",
        f"ref:{repo_id}",
        f"ref:{record.name.lower()}",
        f"ref:{repo_id.rsplit('/', 1)[-1]}",
    }
    if record.type is ArtifactType.CODE and "/" in repo_id:
        keys.add(f"owner:{repo_id.split('/', 1)[0]}")
    found = {
        report.artifact_id
        for report in _stored_reports(storage, database.dependents(storage, keys))
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
        readers = {
            r.artifact_id
            for r in _stored_reports(storage, database.dependents(storage, {f"id:{artifact_id}"}))
            if artifact_id in r.inputs.used_ids
        }
        for model in readers | set(pipeline.watched()):
            _invalidate(storage, model)
        return
    details = artifact_services.changed_details(change) or _details_or_none(storage, artifact_id)
    if details is None:
        return
    lineage_services.index_change(change)  # the ratings this schedules resolve names through its index
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


def _ingest_gate(change: ArtifactChange) -> None:
    """Refuse a model whose rating misses REGISTRY_INGEST_MIN_SCORE (synchronous path only)."""
    settings = get_settings()
    threshold = get_rating_settings().ingest_min_score
    if threshold is None or settings.async_rating:
        return
    storage = get_storage()
    details = artifact_services.changed_details(change)  # what was just written: never read back
    if details is None:
        details = artifact_services.details(storage, change.artifact_id, include_hidden=True)
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


def _on_reset(storage: Storage) -> None:
    get_pipeline().forget()
    database.mark_dependency_index(storage)


def current_net_scores(storage: Storage) -> dict[str, float]:
    """Net score of each model whose stored rating is of its current generation (`min_net_score`)."""
    generations = {r.id: r.generation for r in artifact_services.all_records(storage)}
    return {
        report.artifact_id: report.rating.net_score
        for report in database.list_reports(storage)
        if generations.get(report.artifact_id) == report.generation
    }


def register_hooks() -> None:
    """Rate models after ingest, keep ratings current, gate ingest, and forget everything on reset."""
    artifact_services.add_score_source(current_net_scores)
    on_artifact_change(_on_artifact_change)
    add_change_gate(_ingest_gate)
    on_reset(_on_reset)


# ----- resuming after a restart ------------------------------------------------------------------------
def resume_background() -> int:
    """Queue the ratings a stopped process left undone, read from storage; returns how many.

    Hidden models (the 202 path) are rated and then published or dropped; with REGISTRY_RATE_ON_INGEST,
    every model without a stored rating is rated.
    """
    storage = get_storage()
    database.ensure_dependency_index(storage)
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
