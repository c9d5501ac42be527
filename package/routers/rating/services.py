"""The rating domain's public face: rate models (cached), explain ratings, gate ingest, pipeline stats.

A model is rated in the background right after it is registered or changed, and the result is stored; `/rate`
answers from that store, or joins the computation under way, or computes one. A stored rating is dropped when
anything it read changes: the model itself, a registered dataset / code / parent it names (including one that
is registered later), or a parent's net score.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from functools import partial

from package.core.auth_middleware import Principal
from package.core.config import Settings, get_settings
from package.core.errors import BadRequest, FailedDependency, NotFound
from package.core.events import ArtifactChange, ArtifactEvent, add_change_gate, on_artifact_change, on_reset
from package.core.storage import Storage, get_storage
from package.core.upstream.clients import Upstreams, get_upstreams
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import (
    ArtifactDetails,
    ArtifactRecord,
    ArtifactType,
    ArtifactVersion,
    AuditAction,
    VersionScore,
)
from package.routers.lineage import services as lineage_services
from package.routers.lineage.interface import ModelRefs
from package.routers.rating import database, rater
from package.routers.rating.config import get_rating_settings
from package.routers.rating.errors import VersionNotRated
from package.routers.rating.inputs.linking import refers_to
from package.routers.rating.interface import ModelRating, RatingInputs, RatingReport
from package.routers.rating.rater import current_report as current_report
from package.routers.rating.rater import get_pipeline as get_pipeline
from package.routers.rating.rater import model_details, stored_reports
from package.routers.rating.rater import pipeline_stats as pipeline_stats
from package.routers.rating.rater import record_report as record_report
from package.routers.rating.rater import reset_pipeline as reset_pipeline
from package.routers.rating.scoring import RatingFailed
from package.routers.safety import services as safety_services

logger = logging.getLogger("registry.rating")
RESUME_WINDOW = 64  # resumed ratings handed to the pool at a time (each is a work item until it runs)


def rate_model(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    artifact_id: str,
    principal: Principal,
    version: int | None = None,
) -> ModelRating:
    """The model's rating (400 non-model, 404 unknown, 500 naming a metric that failed); audited as RATE.

    `version`: an earlier version's stored rating (404 if that version is unknown, let go or never rated)."""
    with get_pipeline().stores_after():  # a rating computed here is stored once this request's work is done
        record = rater.model_record(storage, artifact_id)
        report = _version_report(storage, record, version) or rater.record_report(
            storage, upstreams, settings, record
        )
        # With this process's next batch of bookkeeping (as downloads do): readers of the trail flush it.
        artifact_services.record_audit(
            storage, record=record, principal=principal, action=AuditAction.RATE, later=True
        )
    return report.rating


def rating_report(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    artifact_id: str,
    version: int | None = None,
) -> RatingReport:
    """The model's rating with every metric's reason and the inputs it read, and its safety verdict.

    `version`: an earlier version's stored rating (with the safety verdict of the current files)."""
    record = rater.model_record(storage, artifact_id)
    report = _version_report(storage, record, version) or rater.record_report(
        storage, upstreams, settings, record
    )
    return report.model_copy(update={"safety": safety_services.summary(storage, artifact_id)})


def _version_report(storage: Storage, record: ArtifactRecord, number: int | None) -> RatingReport | None:
    """The stored rating of an earlier version (None: the current version is asked for, rate it as usual).

    Earlier versions are not rated afterwards: their README and upstream facts as of then are not kept, and a
    rating from today's upstream would not be that version's."""
    version = artifact_services.earlier_version(storage, record, number)  # no read for the spec's /rate
    if version is None:
        return None
    report = database.version_report(storage, record.id, version.generation)
    if report is None:
        raise VersionNotRated(
            f"Version {version.number} of model {record.id} has no stored rating: it was not rated while it "
            "was the current version, and earlier versions are not rated afterwards."
        )
    return report


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


rater.on_stale_rating = _invalidate  # a parent whose net score changed re-rates its children


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
        for report in stored_reports(storage, database.dependents(storage, keys))
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
        database.drop_version_reports(storage, artifact_id)
        readers = {
            r.artifact_id
            for r in stored_reports(storage, database.dependents(storage, {f"id:{artifact_id}"}))
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
        pipeline.wait_stored()  # a rating answered just before is the outgoing version's: keep it below
        pipeline.invalidate(artifact_id)
        _keep_version_rating(storage, details.record)
        database.delete_report(storage, artifact_id)
    if details.record.type is ArtifactType.MODEL:
        _schedule(storage, artifact_id, publish=details.hidden)
    if not details.hidden:
        for model in _dependents(storage, details.record):
            _invalidate(storage, model)


def _keep_version_rating(storage: Storage, record: ArtifactRecord) -> None:
    """Keep the outgoing version's rating under its version, and let go of those retention let go."""
    if record.type is not ArtifactType.MODEL:
        return
    database.archive_report(storage, record.id, record.generation)
    retained = artifact_services.retained_versions(storage, record)
    database.drop_version_reports(storage, record.id, keep={v.generation for v in retained})


def version_scores(
    storage: Storage, record: ArtifactRecord, versions: Sequence[ArtifactVersion]
) -> dict[int, VersionScore]:
    """The stored net score of each of these versions of a model that has one, and its rating's path."""
    if record.type is not ArtifactType.MODEL:
        return {}
    current = stored_report(storage, record)
    kept = database.version_reports(storage, record.id)
    scores: dict[int, VersionScore] = {}
    for version in versions:
        report = current if version.current else kept.get(version.generation)
        if report is not None and report.generation == version.generation:
            query = "" if version.current else f"?version={version.number}"
            path = f"/artifact/model/{record.id}/rate{query}"
            scores[version.number] = VersionScore(net_score=report.rating.net_score, rating_url=path)
    return scores


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
        details = model_details(storage, artifact_id, include_hidden=True)
    except (NotFound, BadRequest):
        return
    try:
        report = _complete(current_report(storage, upstreams, settings, details))
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
        report = _complete(current_report(storage, get_upstreams(), settings, details))
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


def _complete(report: RatingReport) -> RatingReport:
    """The report, or RatingFailed when a metric was degraded (a gate cannot vouch for it)."""
    if report.degraded:
        raise RatingFailed(
            f"Model {report.rating.name!r} could not be fully rated: " + "; ".join(report.degraded),
            failures=report.degraded,
        )
    return report


def _on_reset(storage: Storage) -> None:
    get_pipeline().forget()
    database.mark_dependency_index(storage)


def current_net_scores(storage: Storage, artifact_ids: Sequence[str]) -> dict[str, float]:
    """Net score of each of these models whose stored rating is of its current generation."""
    records = artifact_services.records_by_id(storage, artifact_ids)
    get_pipeline().wait_stored()  # this process's ratings answered a moment ago
    reports = [database.get_report(storage, artifact_id) for artifact_id in records]
    return {
        report.artifact_id: report.rating.net_score
        for report in reports
        if report is not None and records[report.artifact_id].generation == report.generation
    }


def register_hooks() -> None:
    """Rate models after ingest, keep ratings current, gate ingest, and forget everything on reset."""
    artifact_services.add_score_source(current_net_scores)
    artifact_services.add_version_score_source(version_scores)
    on_artifact_change(_on_artifact_change)
    add_change_gate(_ingest_gate)
    on_reset(_on_reset)


# ----- resuming after a restart ------------------------------------------------------------------------
def resume_background() -> int:
    """Queue the ratings a stopped process left undone, read from storage; returns how many.

    Hidden models (the 202 path) are rated and then published or dropped; with REGISTRY_RATE_ON_INGEST,
    every model without a stored rating is rated. Found from keys (the hidden list, the model catalog, the
    rated ids): only the hidden models' records are read, never every artifact's.
    """
    storage = get_storage()
    database.ensure_dependency_index(storage)
    hidden = _hidden_models(storage)
    unrated: list[str] = []
    if get_rating_settings().rate_on_ingest:
        done = database.rated_ids(storage) | set(hidden)
        unrated = [i for i in artifact_services.ids_of_type(storage, ArtifactType.MODEL) if i not in done]
    settings, upstreams = get_settings(), get_upstreams()
    jobs: list[tuple[Callable[[], None], str]] = [
        (partial(_background, storage, upstreams, settings, model, publish=publish), f"rating of {model}")
        for models, publish in ((hidden, True), (unrated, False))
        for model in models
    ]
    get_pipeline().submit_paced(jobs, window=RESUME_WINDOW)
    if jobs:
        logger.info("resumed ratings left undone", extra={"count": len(jobs), "hidden": len(hidden)})
    return len(jobs)


def _hidden_models(storage: Storage) -> list[str]:
    """The models registered on the 202 path and not yet published (few): their records alone are read."""
    records = artifact_services.records_by_id(storage, sorted(artifact_services.hidden_ids(storage)))
    return [artifact_id for artifact_id, record in records.items() if record.type is ArtifactType.MODEL]


def wait_background(timeout: float) -> bool:
    """Wait until no rating job is queued or running; False on time-out."""
    return get_pipeline().wait_idle(timeout)


def stored_report(storage: Storage, record: ArtifactRecord) -> RatingReport | None:
    """The model's stored rating if it is of its current generation, else None (nothing is computed)."""
    get_pipeline().wait_stored()  # this process's ratings answered a moment ago
    stored = database.get_report(storage, record.id)
    if stored is None or stored.generation != record.generation:
        return None
    return stored
