"""The lineage graph's layout: upstream nodes left of downstream ones, links only for registered nodes."""

from __future__ import annotations

from package.routers.lineage.interface import ArtifactLineageEdge, ArtifactLineageGraph, ArtifactLineageNode
from package.routers.web.lineage_layout import NODE_WIDTH, layout


def _graph(edges: list[tuple[str, str]], names: list[str]) -> ArtifactLineageGraph:
    return ArtifactLineageGraph(
        nodes=[ArtifactLineageNode(artifact_id=n, name=n, source="model_card") for n in names],
        edges=[
            ArtifactLineageEdge(from_node_artifact_id=a, to_node_artifact_id=b, relationship="base_model")
            for a, b in edges
        ],
    )


def test_columns_follow_the_edges():
    view = layout(
        _graph([("base", "tuned"), ("tuned", "onnx")], ["onnx", "tuned", "base"]),
        current_id="tuned",
        hrefs={"base": "/b"},
    )
    x = {n.id: n.x for n in view.nodes}
    assert x["base"] < x["tuned"] < x["onnx"]
    assert {n.id: n.href for n in view.nodes} == {"base": "/b", "tuned": None, "onnx": None}
    assert [n.id for n in view.nodes if n.current] == ["tuned"]
    assert all(e.x1 < e.x2 for e in view.edges)
    assert view.width >= 3 * NODE_WIDTH


def test_a_cycle_does_not_hang_and_long_names_are_shortened():
    name = "x" * 80
    view = layout(_graph([("a", name), (name, "a")], ["a", name]), current_id="a", hrefs={})
    assert len(view.nodes) == 2
    assert next(n for n in view.nodes if n.id == name).label.endswith("…")
