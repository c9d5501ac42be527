"""The registry seen as a dependency graph: each artifact's references, resolved to registered artifacts.

A `Catalog` holds artifact records and their lineage index entries (in memory here;
`stored.StoredCatalog` reads them from storage on demand, recomputing entries missing or stale), so references
resolve against what is registered now: a child registered before its parent links up as soon as the parent
is registered, and a deleted parent turns back into an external node.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from package.core.errors import NotFound
from package.core.storage import Storage
from package.core.upstream.sources import SourceKind
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import (
    ArtifactDetails,
    ArtifactRecord,
    ArtifactSnapshot,
    ArtifactType,
)
from package.routers.lineage import database
from package.routers.lineage.references import (
    MalformedMetadata,
    Reference,
    RefKind,
    card_relation,
    references,
)

logger = logging.getLogger("registry.lineage")

# Bump when the extraction changes, so entries written by older code are recomputed.
SCHEMA = 2
# Which registered artifacts a reference of each kind may resolve to: (artifact type, source kinds).
_TARGETS = {
    RefKind.MODEL: (ArtifactType.MODEL, {SourceKind.HF_MODEL}),
    RefKind.DATASET: (ArtifactType.DATASET, {SourceKind.HF_DATASET}),
    RefKind.CODE: (ArtifactType.CODE, {SourceKind.GITHUB}),
}


Step = Callable[[str], list[tuple[str, Reference]]]


@dataclass(frozen=True)
class Entry:
    """What one artifact names and weighs, as the index keeps it."""

    artifact_id: str
    size_bytes: int
    refs: tuple[Reference, ...]
    relation: str | None
    aliases: tuple[str, ...]
    problem: str | None


def external_id(kind: RefKind, target: str) -> str:
    """A stable node id for an unregistered upstream (matches the spec's `^[a-zA-Z0-9\\-]+$`)."""
    digest = hashlib.sha256(f"{kind.value}:{target.lower()}".encode()).hexdigest()[:20]
    return f"ext-{kind.value}-{digest}"


def compute_item(record: ArtifactRecord, snapshot: ArtifactSnapshot | None) -> dict[str, Any]:
    """The index item of an artifact from its captured metadata."""
    item: dict[str, Any] = {
        "schema": SCHEMA,
        "generation": record.generation,
        "bytes": 0,
        "refs": [],
        "relation": None,
        "aliases": [record.repo_id.lower()],
        "problem": None,
        # What the reverse indexes of the stored catalog file this artifact under (see database.py).
        "type": record.type.value,
        "repo_name": record.repo_id.rsplit("/", 1)[-1].lower(),
        "label": record.name.lower(),
        "owner": record.repo_id.split("/", 1)[0].lower() if "/" in record.repo_id else None,
    }
    if snapshot is None:
        item["problem"] = f"No metadata was captured for artifact {record.id}."
        return item
    item["bytes"] = snapshot.total_bytes
    author = snapshot.stats.get("author")
    if "/" not in record.repo_id and isinstance(author, str) and author:
        # An owner-less Hub id (`bert-base-uncased`) redirects to its canonical home (`google-bert/...`).
        item["aliases"].append(f"{author}/{record.repo_id}".lower())
    if record.type is ArtifactType.MODEL:
        try:
            item["refs"] = [r.to_item() for r in references(snapshot, record.repo_id)]
            item["relation"] = card_relation(snapshot)
        except MalformedMetadata as exc:
            item["problem"] = f"The metadata of model {record.id} is malformed: {exc}"
    return item


def refresh(storage: Storage, record: ArtifactRecord, *, rebuild: bool = False) -> dict[str, Any]:
    """Recompute and store one artifact's index item and its reverse-index rows (every row: `rebuild`)."""
    try:
        snapshot: ArtifactSnapshot | None = artifact_services.details(
            storage, record.id, include_hidden=True
        ).snapshot
    except NotFound:
        snapshot = None
    item = compute_item(record, snapshot)
    database.save(storage, record.id, item, rebuild=rebuild)
    return item


def index_artifact(storage: Storage, artifact_id: str) -> None:
    """Compute and store the index item of a freshly registered or updated artifact."""
    index_details(storage, artifact_services.details(storage, artifact_id, include_hidden=True))


def index_details(storage: Storage, details: ArtifactDetails) -> None:
    """Compute and store the index item of an artifact whose details the caller holds."""
    database.save(storage, details.record.id, compute_item(details.record, details.snapshot))


class Catalog:
    """Registered artifacts, what each names, and who names whom."""

    def __init__(self, records: Iterable[ArtifactRecord], items: dict[str, dict[str, Any]]) -> None:
        self.records = {r.id: r for r in records}
        self.entries = {i: _entry(i, items[i]) for i in self.records if i in items}
        self._by_key: dict[tuple[ArtifactType, str], list[str]] = defaultdict(list)
        self._by_name: dict[tuple[ArtifactType, str], list[str]] = defaultdict(list)
        for record in self.records.values():
            entry = self.entries.get(record.id)
            for alias in entry.aliases if entry else (record.repo_id.lower(),):
                self._by_key[(record.type, alias)].append(record.id)
            self._by_name[(record.type, record.repo_id.rsplit("/", 1)[-1].lower())].append(record.id)
        self._children: dict[str, list[tuple[str, Reference]]] | None = None

    def record(self, artifact_id: str) -> ArtifactRecord:
        """A registered artifact's record (NotFound when unknown)."""
        if artifact_id not in self.records:
            raise NotFound(f"No artifact has id {artifact_id}.")
        return self.records[artifact_id]

    def entry(self, artifact_id: str) -> Entry:
        """An artifact's index entry."""
        return self.entries[self.record(artifact_id).id]

    def known(self, record: ArtifactRecord) -> None:
        """A published record the caller has read (a catalog read on demand does not read it again)."""

    def keyed(self, artifact_type: ArtifactType, alias: str) -> list[str]:
        """Registered artifacts of this type known by this (lower-case) repo id alias, oldest first."""
        return self._by_key.get((artifact_type, alias), [])

    def named(self, artifact_type: ArtifactType, repo_name: str) -> list[str]:
        """Registered artifacts of this type whose repo name (no owner) is this, oldest first."""
        return self._by_name.get((artifact_type, repo_name), [])

    def resolve(self, ref: Reference) -> list[str]:
        """The registered artifacts a reference names (none when the upstream is not registered)."""
        artifact_type, source_kinds = _TARGETS[ref.kind]
        target = ref.target.lower()
        found = self.keyed(artifact_type, target)
        if not found and "/" not in target:
            # A legacy owner-less id (`distilbert-base-uncased`) names the one registered `<org>/<same name>`.
            named = self.named(artifact_type, target)
            found = named if len(named) == 1 else []
        return [i for i in found if self.record(i).source_kind in source_kinds]

    def parents(
        self, artifact_id: str, kinds: frozenset[RefKind] = frozenset({RefKind.MODEL})
    ) -> list[tuple[str, Reference]]:
        """(registered upstream id, reference) pairs an artifact names directly, itself excluded."""
        found: list[tuple[str, Reference]] = []
        for ref in self.entry(artifact_id).refs:
            if ref.kind in kinds:
                found += [
                    (p, ref) for p in self.resolve(ref) if p != artifact_id and all(p != f for f, _ in found)
                ]
        return found

    def children(self, artifact_id: str) -> list[tuple[str, Reference]]:
        """(registered model id, reference) pairs of the models naming this artifact as a base model."""
        if self._children is None:
            index: dict[str, list[tuple[str, Reference]]] = defaultdict(list)
            for child in self.entries:
                for parent, ref in self.parents(child):
                    index[parent].append((child, ref))
            self._children = index
        return self._children.get(artifact_id, [])

    def walk(self, start: str, step: Step) -> list[str]:
        """Every artifact reachable from `start` by `step(id) -> [(id, ref)]`, nearest first, once each."""
        seen = {start}
        order: list[str] = []
        frontier = [start]
        while frontier:
            following: list[str] = []
            for current in frontier:
                for neighbour, _ in step(current):
                    if neighbour not in seen:
                        seen.add(neighbour)
                        order.append(neighbour)
                        following.append(neighbour)
            frontier = following
        return order


def _entry(artifact_id: str, item: dict[str, Any]) -> Entry:
    return Entry(
        artifact_id=artifact_id,
        size_bytes=int(item.get("bytes") or 0),
        refs=tuple(Reference.from_item(r) for r in item.get("refs") or []),
        relation=item.get("relation"),
        aliases=tuple(item.get("aliases") or ()),
        problem=item.get("problem"),
    )
