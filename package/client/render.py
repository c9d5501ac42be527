"""How the CLI shows answers to people (rich tables and trees); `--json` bypasses all of this."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def emit_json(value: Any) -> None:
    """Print a value as JSON for scripts (plain stdout, no markup)."""
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


def artifacts(rows: Iterable[dict[str, Any]], title: str | None = None) -> None:
    """A table of artifact metadata (name, type, id)."""
    table = Table(title=title)
    for column in ("name", "type", "id"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.get("name")), str(row.get("type")), str(row.get("id")))
    console.print(table)


def mapping(values: dict[str, Any], title: str | None = None) -> None:
    """A two-column table of a dictionary; nested values shown as compact JSON."""
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        table.add_row(key, shown)
    console.print(table)


def rating(values: dict[str, Any]) -> None:
    """A model's scores beside the seconds each took."""
    table = Table(title=f"{values.get('name', '')} ({values.get('category', '')})")
    for column in ("metric", "score", "seconds"):
        table.add_column(column)
    for key, value in values.items():
        if key.endswith("_latency") or key in ("name", "category"):
            continue
        latency = values.get(f"{key}_latency")
        table.add_row(key, json.dumps(value), "" if latency is None else str(latency))
    console.print(table)


def lineage(graph: dict[str, Any]) -> None:
    """The lineage graph as a tree: each base, then what was derived from it."""
    nodes = {str(n["artifact_id"]): n for n in graph.get("nodes", [])}
    children: dict[str, list[tuple[str, str]]] = {}
    has_parent: set[str] = set()
    for edge in graph.get("edges", []):
        parent, child = str(edge["from_node_artifact_id"]), str(edge["to_node_artifact_id"])
        children.setdefault(parent, []).append((child, str(edge.get("relationship", ""))))
        has_parent.add(child)
    roots = [node_id for node_id in nodes if node_id not in has_parent] or list(nodes)[:1]
    tree = Tree("lineage")
    seen: set[str] = set()

    def label(node_id: str, relationship: str = "") -> str:
        node = nodes.get(node_id, {"name": node_id, "source": "?"})
        prefix = f"[dim]{relationship}[/dim] " if relationship else ""
        return f"{prefix}[bold]{node.get('name')}[/bold] [dim]({node_id}, {node.get('source')})[/dim]"

    def grow(branch: Tree, node_id: str) -> None:
        for child, relationship in children.get(node_id, []):
            twig = branch.add(label(child, relationship))
            if child not in seen:  # a graph may join or loop back: show each subtree once
                seen.add(child)
                grow(twig, child)

    for root in roots:
        seen.add(root)
        grow(tree.add(label(root)), root)
    console.print(tree)


def costs(values: dict[str, Any]) -> None:
    """Sizes in MB per artifact."""
    table = Table(title="cost (MB)")
    for column in ("artifact", "standalone", "total"):
        table.add_column(column)
    for artifact_id, entry in values.items():
        entry = entry if isinstance(entry, dict) else {}
        table.add_row(artifact_id, str(entry.get("standalone_cost", "")), str(entry.get("total_cost", "")))
    console.print(table)


def records(rows: list[dict[str, Any]], columns: tuple[str, ...], title: str | None = None) -> None:
    """A table of dictionaries, the given columns only."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[_cell(row.get(column)) for column in columns])
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
