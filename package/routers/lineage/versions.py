"""Lineage and cost of an earlier version of an artifact (`?version=N`).

The version's own index entry (what its metadata named and weighed, kept when a newer version replaced it:
database.py's LINEAGEVERSION rows) stands in for the artifact; everything else resolves against the registry
as it is now, so version N's graph shows the base models, datasets and code that version named, and its cost
is its own size plus the current size of each registered dependency it named.
"""

from __future__ import annotations

from package.core.storage import Storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactRecord
from package.routers.lineage import database
from package.routers.lineage.errors import VersionLineageNotKept
from package.routers.lineage.stored import StoredCatalog, load


def catalog_at(storage: Storage, record: ArtifactRecord, number: int | None) -> StoredCatalog:
    """A catalog where `record` is as of version `number` (None or the current number: as it is now).

    VersionNotFound for an unknown or let-go version, VersionLineageNotKept when its entry is missing."""
    catalog = load(storage)
    version = artifact_services.earlier_version(storage, record, number)
    if version is None:
        return catalog
    item = database.version_entry(storage, record.id, version.generation)
    if item is None:
        raise VersionLineageNotKept(
            f"The lineage of version {number} of artifact {record.id} was not kept: it was replaced before "
            "this registry kept each version's lineage."
        )
    aliases = item.get("aliases") or [record.repo_id]
    pinned = record.model_copy(
        update={
            "url": version.source_url,
            "revision": version.revision,
            "generation": version.generation,
            "repo_id": str(aliases[0]),
        }
    )
    catalog.pin(pinned, item)
    return catalog
