"""Lay a lineage graph out in columns (upstream left, downstream right) for an inline SVG."""

from __future__ import annotations

from collections import defaultdict

from package.routers.lineage.interface import ArtifactLineageGraph
from package.routers.web.interface import LineageEdgeView, LineageNodeView, LineageView

NODE_WIDTH, NODE_HEIGHT = 200, 44
_COLUMN_GAP, _ROW_GAP, _MARGIN = 70, 22, 8
_LABEL_CHARS = 26


def _levels(graph: ArtifactLineageGraph) -> dict[str, int]:
    """Each node's column: the longest chain of upstream nodes before it (cycles cut at the node count)."""
    ids = [node.artifact_id for node in graph.nodes]
    level = dict.fromkeys(ids, 0)
    for _ in range(len(ids)):  # Bellman-Ford style relaxation: bounded even on a cyclic (bad) graph
        changed = False
        for edge in graph.edges:
            src, dst = edge.from_node_artifact_id, edge.to_node_artifact_id
            if src in level and dst in level and level[dst] < level[src] + 1 <= len(ids):
                level[dst] = level[src] + 1
                changed = True
        if not changed:
            break
    return level


def _label(name: str) -> str:
    return name if len(name) <= _LABEL_CHARS else name[: _LABEL_CHARS - 1] + "…"


def layout(graph: ArtifactLineageGraph, *, current_id: str, hrefs: dict[str, str]) -> LineageView:
    """Node positions and edge lines; `hrefs` maps registered node ids to their pages."""
    level = _levels(graph)
    columns: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        columns[level[node.artifact_id]].append(node.artifact_id)
    tallest = max((len(col) for col in columns.values()), default=1)
    height = _MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * _ROW_GAP
    position: dict[str, tuple[int, int]] = {}
    for col, members in columns.items():
        column_height = len(members) * NODE_HEIGHT + (len(members) - 1) * _ROW_GAP
        top = (height - column_height) // 2
        for row, node_id in enumerate(members):
            position[node_id] = (
                _MARGIN + col * (NODE_WIDTH + _COLUMN_GAP),
                top + row * (NODE_HEIGHT + _ROW_GAP),
            )
    nodes = [
        LineageNodeView(
            id=node.artifact_id,
            name=node.name,
            label=_label(node.name),
            x=position[node.artifact_id][0],
            y=position[node.artifact_id][1],
            href=hrefs.get(node.artifact_id),
            current=node.artifact_id == current_id,
            detail="this artifact" if node.artifact_id == current_id else f"found in {node.source}",
        )
        for node in graph.nodes
    ]
    edges = [
        LineageEdgeView(
            x1=position[e.from_node_artifact_id][0] + NODE_WIDTH,
            y1=position[e.from_node_artifact_id][1] + NODE_HEIGHT // 2,
            x2=position[e.to_node_artifact_id][0],
            y2=position[e.to_node_artifact_id][1] + NODE_HEIGHT // 2,
            relationship=e.relationship,
        )
        for e in graph.edges
        if e.from_node_artifact_id in position and e.to_node_artifact_id in position
    ]
    width = _MARGIN * 2 + (max(columns, default=0) + 1) * NODE_WIDTH + max(columns, default=0) * _COLUMN_GAP
    return LineageView(
        width=width, height=height, node_width=NODE_WIDTH, node_height=NODE_HEIGHT, nodes=nodes, edges=edges
    )
