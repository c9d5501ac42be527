"""The lineage domain's public face: where a model came from (lineage) and what it weighs (cost).

Other domains use `parent_ids`, `ancestor_ids` and `descendant_ids` (rating's tree_score does).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from package.core.errors import BadRequest
from package.core.events import ArtifactChange, ArtifactEvent, on_artifact_change, on_reset
from package.core.storage import Storage, get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
from package.routers.lineage import catalog as catalogs
from package.routers.lineage import database, graph, versions
from package.routers.lineage import stored as stored_catalogs
from package.routers.lineage.catalog import Catalog as Catalog  # re-exported: rating shares one
from package.routers.lineage.errors import LineageUnavailable
from package.routers.lineage.interface import ArtifactCost, ArtifactLineageGraph, LineageInclude
from package.routers.lineage.references import RefKind
from package.routers.lineage.references import github_repo_ids as github_repo_ids
from package.routers.lineage.references import model_refs as model_refs
from package.routers.lineage.references import names_artifact as names_artifact

logger = logging.getLogger("registry.lineage")

_INCLUDE_KINDS = {LineageInclude.DATASETS: RefKind.DATASET, LineageInclude.CODE: RefKind.CODE}


def open_catalog(storage: Storage) -> Catalog:
    """A catalog of the registry that reads only what it is asked about (share one per request)."""
    return stored_catalogs.load(storage)


def parent_ids(
    storage: Storage,
    artifact_id: str,
    *,
    catalog: Catalog | None = None,
    published: ArtifactRecord | None = None,
) -> list[str]:
    """Ids of the registered models a model names as its direct base models (NotFound for an unknown id).

    `published`: the model's record, read already by the caller and published (not read again)."""
    catalog = catalog or open_catalog(storage)
    if published is not None:
        catalog.known(published)
    catalog.record(artifact_services.check_artifact_id(artifact_id))
    return [parent for parent, _ in catalog.parents(artifact_id)]


def ancestor_ids(storage: Storage, artifact_id: str, *, catalog: Catalog | None = None) -> list[str]:
    """Ids of every registered ancestor model, nearest first, each once (cycle-safe)."""
    catalog = catalog or open_catalog(storage)
    catalog.record(artifact_services.check_artifact_id(artifact_id))
    return catalog.walk(artifact_id, catalog.parents)


def descendant_ids(storage: Storage, artifact_id: str, *, catalog: Catalog | None = None) -> list[str]:
    """Ids of every registered model derived from this one, nearest first, each once (cycle-safe)."""
    catalog = catalog or open_catalog(storage)
    catalog.record(artifact_services.check_artifact_id(artifact_id))
    return catalog.walk(artifact_id, catalog.children)


def named_records(
    storage: Storage, artifact_type: ArtifactType, names: Iterable[str], *, owner: str | None = None
) -> list[ArtifactRecord]:
    """Published artifacts of a type that a (lower-case) name may mean: by repo id, repo name without owner
    or registered name, plus every one from `owner`; oldest first. A superset: callers check each."""
    stored_catalogs.ensure_index(storage)
    found: list[str] = []
    for name in dict.fromkeys(names):
        # A repo name has no owner: a name with one ("org/repo") cannot be one, and is not looked up as one.
        partitions = (
            (database.KEY, database.LABEL) if "/" in name else (database.KEY, database.NAME, database.LABEL)
        )
        for partition in partitions:
            found += database.lookup(storage, partition, artifact_type.value, name)
    if owner:
        found += database.lookup(storage, database.OWNER, artifact_type.value, owner)
    records = artifact_services.records_by_id(storage, list(dict.fromkeys(found)))  # one batched read
    hidden = artifact_services.hidden_ids(storage) if records else set()  # few: those waiting for a rating
    kept = [r for r in records.values() if r.type is artifact_type and r.id not in hidden]
    return sorted(kept, key=lambda r: (r.created_at, r.id))


def parse_include(raw: str | None) -> frozenset[RefKind]:
    """The node kinds a comma-separated `include` parameter asks for (models always); BadRequest otherwise."""
    kinds = {RefKind.MODEL}
    for part in (raw or "").split(","):
        word = part.strip().lower()
        if not word or word in {"model", "models"}:
            continue
        try:
            kinds.add(_INCLUDE_KINDS[LineageInclude(word)])
        except ValueError as exc:
            allowed = ", ".join(i.value for i in LineageInclude)
            raise BadRequest(f"Unknown include {word!r}: use a comma-separated list of {allowed}.") from exc
    return frozenset(kinds)


def lineage(storage: Storage, *, model_id: str, include: frozenset[RefKind]) -> ArtifactLineageGraph:
    """A registered model's lineage graph (400 when its metadata is missing or malformed, 404 unknown)."""
    record = artifact_services.load(storage, ArtifactType.MODEL, model_id)
    return model_lineage(storage, record, include=include)


def model_lineage(
    storage: Storage, record: ArtifactRecord, *, include: frozenset[RefKind], version: int | None = None
) -> ArtifactLineageGraph:
    """`lineage` of a model already loaded (e.g. by `CurrentModel`); `version`: as that version named it."""
    catalog = versions.catalog_at(storage, record, version)
    problem = catalog.entry(record.id).problem
    if problem:
        raise LineageUnavailable(f"The lineage graph cannot be computed: {problem}")
    return graph.lineage_graph(catalog, record.id, include)


def cost(
    storage: Storage,
    *,
    artifact_type: ArtifactType,
    artifact_id: str,
    dependency: bool,
    include: frozenset[RefKind] = frozenset({RefKind.MODEL}),
    version: int | None = None,
) -> ArtifactCost:
    """The artifact's download size in MB (bytes / 1024²); with `dependency`, each registered dependency's:
    its lineage closure of base models, plus the datasets and code `include` asks for.

    `version`: that version's own size and the dependencies it named (each at its current size)."""
    record = artifact_services.load(storage, artifact_type, artifact_id)
    kinds = include if dependency else None
    return graph.cost_map(versions.catalog_at(storage, record, version), record.id, kinds=kinds)


def lineage_and_cost(
    storage: Storage, *, artifact_type: ArtifactType, artifact_id: str, include: frozenset[RefKind]
) -> tuple[ArtifactLineageGraph | None, ArtifactCost]:
    """A page's view in one read of the catalog: the lineage graph (models whose metadata allow one, else
    None) and the cost with the default dependencies (base models)."""
    record = artifact_services.load(storage, artifact_type, artifact_id)
    catalog = open_catalog(storage)
    graph_view = None
    if artifact_type is ArtifactType.MODEL and not catalog.entry(record.id).problem:
        graph_view = graph.lineage_graph(catalog, record.id, include)
    return graph_view, graph.cost_map(catalog, record.id, kinds=frozenset({RefKind.MODEL}))


def index_change(change: ArtifactChange) -> None:
    """Bring the lineage index in step with an artifact event (idempotent: a domain whose hook reads the
    index may call it first, whatever order the hooks run in)."""
    _on_artifact_change(change)


def _on_artifact_change(change: ArtifactChange) -> None:
    storage = get_storage()
    if change.event is ArtifactEvent.DELETED:
        database.forget(storage, change.artifact_id)
        database.drop_versions(storage, change.artifact_id)
        return
    written = artifact_services.changed_details(change)
    if written is None:
        catalogs.index_artifact(storage, change.artifact_id)
    else:
        catalogs.index_details(storage, written)


def _on_artifact_hook(change: ArtifactChange) -> None:
    """Index the change; after an update, let go of the kept entries of versions retention let go."""
    _on_artifact_change(change)  # the save keeps the outgoing version's entry
    if change.event is ArtifactEvent.UPDATED:  # here only, not in index_change: once per update
        storage = get_storage()
        written = artifact_services.changed_details(change)
        record = written.record if written else artifact_services.find_record(storage, change.artifact_id)
        if record is not None:
            retained = artifact_services.retained_versions(storage, record)
            database.drop_versions(storage, record.id, keep={v.generation for v in retained})


def _on_reset(storage: Storage) -> None:
    stored_catalogs.mark_indexed(storage)


def register_hooks() -> None:
    """Keep the lineage index in step with registrations, updates and deletions."""
    on_artifact_change(_on_artifact_hook)
    on_reset(_on_reset)


def resume_background() -> None:
    """Build the reverse index once for a database written before it existed (a no-op afterwards)."""
    stored_catalogs.ensure_index(get_storage())
