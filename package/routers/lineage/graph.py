"""Assemble a model's lineage graph (spec shape) and its cost map from a catalog."""

from __future__ import annotations

from package.routers.lineage.catalog import Catalog, external_id
from package.routers.lineage.interface import (
    ArtifactCost,
    ArtifactCostEntry,
    ArtifactLineageEdge,
    ArtifactLineageGraph,
    ArtifactLineageNode,
)
from package.routers.lineage.references import Reference, RefKind

ROOT_SOURCE = "registry"
_MB = 1024 * 1024


class _Builder:
    """Nodes and edges in first-seen order, each once."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.nodes: dict[str, ArtifactLineageNode] = {}
        self.edges: dict[tuple[str, str, str], ArtifactLineageEdge] = {}

    def registered(self, artifact_id: str, source: str) -> None:
        if artifact_id in self.nodes:
            return
        record = self.catalog.record(artifact_id)
        metadata: dict[str, object] = {"type": record.type.value, "repository_url": record.url}
        if record.revision:
            metadata["sha"] = record.revision
        relation = self.catalog.entry(artifact_id).relation
        if relation:
            metadata["base_model_relation"] = relation
        self.nodes[artifact_id] = ArtifactLineageNode(
            artifact_id=artifact_id, name=record.name, source=source, metadata=metadata
        )

    def external(self, ref: Reference) -> str:
        node_id = external_id(ref.kind, ref.target)
        if node_id not in self.nodes:
            self.nodes[node_id] = ArtifactLineageNode(
                artifact_id=node_id,
                name=ref.target,
                source=ref.evidence.value,
                metadata={"type": ref.kind.value, "registered": False, "repository_url": _upstream_url(ref)},
            )
        return node_id

    def edge(self, upstream: str, downstream: str, relationship: str) -> None:
        key = (upstream, downstream, relationship)
        if key not in self.edges:
            self.edges[key] = ArtifactLineageEdge(
                from_node_artifact_id=upstream, to_node_artifact_id=downstream, relationship=relationship
            )

    def upstream_of(self, model_id: str, kinds: frozenset[RefKind], members: set[str] | None) -> None:
        """Edges from what `model_id` names; registered targets must be in `members` when given."""
        for ref in self.catalog.entry(model_id).refs:
            if ref.kind not in kinds:
                continue
            resolved = [p for p in self.catalog.resolve(ref) if p != model_id]
            if resolved:
                for parent in resolved:
                    if members is None or parent in members:
                        self.registered(parent, ref.evidence.value)
                        self.edge(parent, model_id, ref.relationship)
            elif ref.confirmed:
                self.edge(self.external(ref), model_id, ref.relationship)


def lineage_graph(catalog: Catalog, model_id: str, include: frozenset[RefKind]) -> ArtifactLineageGraph:
    """The model, its whole ancestry (registered or not) and its registered descendants; datasets and code
    named by those models when `include` asks for them."""
    ancestors = catalog.walk(model_id, catalog.parents)
    descendants = catalog.walk(model_id, catalog.children)
    members = {model_id, *ancestors, *descendants}
    builder = _Builder(catalog)
    builder.registered(model_id, ROOT_SOURCE)
    for ancestor in [model_id, *ancestors]:
        builder.upstream_of(ancestor, frozenset({RefKind.MODEL}), None)
    for descendant in descendants:
        for _, ref in catalog.parents(descendant):
            builder.registered(descendant, ref.evidence.value)
            break
        builder.upstream_of(descendant, frozenset({RefKind.MODEL}), members)
    extra = include - {RefKind.MODEL}
    if extra:
        for member in [model_id, *ancestors, *descendants]:
            builder.upstream_of(member, frozenset(extra), None)
    return ArtifactLineageGraph(nodes=list(builder.nodes.values()), edges=list(builder.edges.values()))


def dependencies(catalog: Catalog, artifact_id: str, kinds: frozenset[RefKind]) -> list[str]:
    """Every registered artifact `artifact_id` depends on, transitively, each once (base models; datasets and
    code too when `kinds` holds them)."""
    return catalog.walk(artifact_id, lambda current: catalog.parents(current, kinds))


def megabytes(size_bytes: int) -> float:
    """Bytes in MB, where MB = 1024² bytes (rounded to the byte's precision, 1e-6 MB)."""
    return round(size_bytes / _MB, 6)


def cost_map(catalog: Catalog, artifact_id: str, *, kinds: frozenset[RefKind] | None) -> ArtifactCost:
    """The artifact's cost; with dependency `kinds` (None: none) each registered dependency's cost too."""
    own = megabytes(catalog.entry(artifact_id).size_bytes)
    if kinds is None:
        return ArtifactCost({artifact_id: ArtifactCostEntry(standalone_cost=own, total_cost=own)})
    result: dict[str, ArtifactCostEntry] = {}
    for member in [artifact_id, *dependencies(catalog, artifact_id, kinds)]:
        closure = [member, *dependencies(catalog, member, kinds)]
        total = sum(catalog.entry(i).size_bytes for i in closure)
        result[member] = ArtifactCostEntry(
            standalone_cost=megabytes(catalog.entry(member).size_bytes), total_cost=megabytes(total)
        )
    return ArtifactCost(result)


def _upstream_url(ref: Reference) -> str:
    if ref.kind is RefKind.CODE:
        return f"https://github.com/{ref.target}"
    prefix = "datasets/" if ref.kind is RefKind.DATASET else ""
    return f"https://huggingface.co/{prefix}{ref.target}"
