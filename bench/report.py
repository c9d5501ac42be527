"""Markdown tables of the figures in a results folder, for docs/performance.md (copy what the page cites).

python -m bench.report [--results docs/performance/results]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from bench.results import RESULTS


def _flat(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every number or short string in `node`, lists of numbers left out."""
    if isinstance(node, dict):
        return [row for key, value in node.items() for row in _flat(value, f"{prefix}{key}.")]
    if isinstance(node, list):
        if all(isinstance(v, dict) for v in node):
            return [row for i, value in enumerate(node) for row in _flat(value, f"{prefix}{i}.")]
        return []
    return [(prefix.rstrip("."), node)]


def table(name: str, payload: dict[str, Any]) -> str:
    """One benchmark's figures as a two-column Markdown table."""
    lines = [f"### {name}", "", f"options: `{json.dumps(payload.get('options', {}))}`", ""]
    lines += ["| figure | value |", "| --- | --- |"]
    for path, value in _flat(payload["figures"]):
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        lines.append(f"| {path} | {shown} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print every result's table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path(os.environ.get("BENCH_RESULTS") or RESULTS))
    args = parser.parse_args()
    for path in sorted(args.results.glob("*.json")):
        print(table(path.stem, json.loads(path.read_text())))


if __name__ == "__main__":
    main()
