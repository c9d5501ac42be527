"""Computing and storing ratings: one computation per model at a time, from the inputs it names.

The rating services' machinery (the public face is `services`): the process's pipeline, the stored rating or a
new computation, the parents' scores, and storing a rating (which re-rates the children when a net score
changes, through `on_stale_rating`, which the services set to their invalidation).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from package.core.background import ProcessWide
from package.core.config import Settings
from package.core.errors import BadRequest, NotFound
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.write_behind import get_write_behind
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.errors import ArtifactNotFound
from package.routers.artifacts.interface import ArtifactDetails, ArtifactRecord, ArtifactType
from package.routers.lineage import services as lineage_services
from package.routers.lineage.interface import ModelRefs
from package.routers.rating import database, refresh, scoring
from package.routers.rating.config import get_rating_settings
from package.routers.rating.context import MetricUnavailable, ParentScore, RatingContext
from package.routers.rating.errors import NotAModel
from package.routers.rating.inputs.card import Card, parse_card
from package.routers.rating.inputs.linking import model_refs, refers_to
from package.routers.rating.interface import RatingPipelineStats, RatingReport
from package.routers.rating.jobs import RatingPipeline
from package.routers.rating.scoring import RatingFailed

logger = logging.getLogger("registry.rating")


def _drop(storage: Storage, artifact_id: str) -> None:
    database.delete_report(storage, artifact_id)


# Called with (storage, model id) for each child whose rating a parent's new net score made stale.
on_stale_rating: Callable[[Storage, str], None] = _drop

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
def model_record(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactRecord:
    """The model's record alone (no snapshot or README): 400 for another type, 404 unknown."""
    record = artifact_services.find_record(storage, artifact_id, include_hidden=include_hidden)
    if record is None:
        raise ArtifactNotFound(f"No artifact has id {artifact_id}.")
    if record.type is not ArtifactType.MODEL:
        raise NotAModel(
            f"Artifact {artifact_id} is a {record.type.value}, not a model: only models are rated."
        )
    return record


def model_details(storage: Storage, artifact_id: str, *, include_hidden: bool = False) -> ArtifactDetails:
    model_record(storage, artifact_id, include_hidden=include_hidden)
    return artifact_services.details(storage, artifact_id, include_hidden=include_hidden)


def record_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, record: ArtifactRecord
) -> RatingReport:
    """`current_report` of a model whose record is loaded: a current stored rating costs one read."""
    stored = database.get_report(storage, record.id)
    if stored is not None and stored.generation == record.generation:
        max_age = get_rating_settings().rating_upstream_cache_seconds
        if refresh.due(stored, max_age) and refresh.claim(record.id):
            get_pipeline().submit(
                lambda: _refresh(storage, upstreams, settings, record.id), what=f"refresh of {record.id}"
            )
        return stored
    details = artifact_services.details(storage, record.id, include_hidden=True)
    # The stored one was just read. A request's rating is stored after it is answered, where this process
    # writes its bookkeeping behind (not on Lambda, which freezes the process between invocations).
    later = not get_write_behind().synchronous
    return _computed_report(storage, upstreams, settings, details, store_later=later)


def _refresh(storage: Storage, upstreams: Upstreams, settings: Settings, artifact_id: str) -> None:
    """Rate a model again from fresh upstream facts; the stored rating is served until replaced."""
    try:
        _computed_report(
            storage, upstreams, settings, model_details(storage, artifact_id, include_hidden=True)
        )
    except (NotFound, BadRequest):
        return
    finally:
        refresh.release(artifact_id)


def current_report(
    storage: Storage, upstreams: Upstreams, settings: Settings, details: ArtifactDetails
) -> RatingReport:
    """The stored rating if it is of the model's current generation, else one computed now (shared)."""
    stored = database.get_report(storage, details.record.id)
    if stored is not None and stored.generation == details.record.generation:
        return stored
    return _computed_report(storage, upstreams, settings, details)


def _computed_report(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    details: ArtifactDetails,
    *,
    store_later: bool = False,
) -> RatingReport:
    """A rating computed now (or joined while another request computes it), stored when current (with
    `store_later`, after it is returned: until then a request for it joins this computation)."""
    card = parse_card(details.readme)
    refs = model_refs(details.record, details.snapshot, card)

    def compute(epoch: int) -> RatingReport:
        return _rate(
            storage, upstreams, settings, details, path=frozenset(), parallel=True, card=card, refs=refs
        )

    def store(report: RatingReport, epoch: int) -> None:
        _store(storage, report, epoch)

    pipeline = get_pipeline()
    return pipeline.compute(details.record.id, compute, watch=refs, store=store, later=store_later)


def _rate(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    details: ArtifactDetails,
    *,
    path: frozenset[str],
    parallel: bool,  # metrics may run concurrently (where an input may wait on an upstream)
    card: Card | None = None,
    refs: ModelRefs | None = None,
) -> RatingReport:
    """Compute a rating now. `path`: the models whose parents are being rated (cycle guard).

    One lineage catalog serves the request; only the artifacts the model may name are read."""
    card = card or parse_card(details.readme)
    refs = refs or model_refs(details.record, details.snapshot, card)
    catalog = lineage_services.open_catalog(storage)
    trail = path | {details.record.id}
    context = RatingContext(
        storage=storage,
        upstreams=upstreams,
        settings=settings,
        details=details,
        records=_named_candidates(storage, refs),
        parent_ids=_parent_ids(storage, details, refs, catalog),
        score_parent=lambda parent: _parent_score(storage, upstreams, settings, parent, trail, catalog),
        card=card,
        refs=refs,
    )
    return scoring.rate(context, parallel=parallel and context.may_wait())


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
    published = None if details.hidden else details.record  # read already: the catalog does not read it
    try:
        return lineage_services.parent_ids(storage, details.record.id, catalog=catalog, published=published)
    except NotFound:
        named = lineage_services.named_records(storage, ArtifactType.MODEL, refs.parent_refs)
        return [r.id for r in named if refers_to(refs, r)]


def _ancestor_ids(storage: Storage, artifact_id: str) -> list[str]:
    try:
        return lineage_services.ancestor_ids(storage, artifact_id)
    except (NotFound, BadRequest):
        return []


def _parent_score(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    parent_id: str,
    path: frozenset[str],
    catalog: lineage_services.Catalog,
) -> ParentScore | None:
    """A parent's net score: its stored rating, or one computed now in this thread (None on a cycle).

    The parent's record comes from the catalog that found it (read once), its stored rating's net score
    alone is decoded."""
    if parent_id in path:
        return None
    try:
        record = catalog.record(parent_id)
    except NotFound:
        return None
    if record.type is not ArtifactType.MODEL:
        return None
    stored = database.stored_score(storage, parent_id)
    if stored is not None and stored.generation == record.generation:
        return ParentScore(parent_id, record.name, stored.net_score)
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
    """Keep a rating unless its model changed meanwhile; the children that read another net score of this
    model are re-rated.

    A degraded rating (an upstream input could not be read) is answered but not kept. Each child's rating
    records the parent scores its tree_score read, so a rating computed again with the same net score (the
    usual case: an uncached /rate, a refresh) re-rates nobody, while a changed one reaches every child that
    read the old score, however that score was computed."""
    if report.degraded:
        return

    def write() -> None:
        reset_epoch = database.reset_epoch(storage)  # a reset after this read (any process) drops the write
        current = artifact_services.find_record(storage, report.artifact_id, include_hidden=True)
        if current is not None and current.generation == report.generation:
            # in the write's transaction: a PUT in another process after the read above drops it
            guard = artifact_services.generation_check(report.artifact_id, report.generation)
            database.put_report(storage, report, reset_epoch=reset_epoch, current=guard)

    if not get_pipeline().store_if_current(report.artifact_id, epoch, write):
        return
    net = report.rating.net_score
    children = [
        child
        for child in stored_reports(storage, database.dependents(storage, {f"id:{report.artifact_id}"}))
        if report.artifact_id in child.inputs.parent_ids
        and not abs(child.inputs.parent_scores.get(report.artifact_id, math.nan) - net) <= 1e-9  # nan: unread
    ]
    if not children:
        return
    # In a lineage cycle a child is also an ancestor: re-rating it would re-rate this model, and so on.
    ancestors = set(_ancestor_ids(storage, report.artifact_id))
    for child in children:
        if child.artifact_id not in ancestors:
            on_stale_rating(storage, child.artifact_id)


def stored_reports(storage: Storage, model_ids: set[str]) -> list[RatingReport]:
    """The stored ratings of these models (those that have one)."""
    reports = (database.get_report(storage, model_id) for model_id in sorted(model_ids))
    return [report for report in reports if report is not None]
