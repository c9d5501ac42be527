"""Draw the benchmarks' figures: bench/results/*.json in, PNGs for docs/performance.md out.

    python -m bench.plots [--results bench/results] [--out docs/performance]

Three plots, each drawn from whatever results hold its shape (a missing or partial result leaves its line out;
a plot with nothing to draw is not written):
- latency_distribution.png: any `latency_percentiles_ms` (101 values, index = percentile) as a CDF;
- throughput_vs_clients.png: any list of rows with `clients` and a throughput (THROUGHPUT keys);
- search_latency_vs_size.png: any `p50_ms` / `p99_ms` under a mapping keyed by registry size ("1000": {...}),
  or in rows with a size key (SIZE keys).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

from bench.results import RESULTS

ROOT = Path(__file__).resolve().parents[1]
THROUGHPUT = ("throughput_mb_s", "throughput_mib_s", "mb_per_s", "mib_per_s", "requests_per_s")
SIZE = ("size", "registry_size", "artifacts")
LATENCY = ("p50_ms", "p99_ms")
Series = dict[str, list[tuple[float, float]]]


def load(folder: Path) -> dict[str, dict[str, Any]]:
    """Each readable result's figures by benchmark name (unreadable files are reported and skipped)."""
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            found[path.stem] = json.loads(path.read_text())["figures"]
        except (ValueError, KeyError, TypeError) as exc:
            print(f"skipped {path}: {type(exc).__name__}")
    return found


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, value) below `node`, itself included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, dict | list):
                yield from _walk(value, (*path, str(index)))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def latency_curves(results: dict[str, dict[str, Any]]) -> Series:
    """(latency ms, percentile) points of every latency distribution found."""
    curves: Series = {}
    for name, figures in results.items():
        for path, node in _walk(figures):
            value = node.get("latency_percentiles_ms") if isinstance(node, dict) else None
            if isinstance(value, list) and len(value) == 101:
                # A row of a sweep says what it was measured at: "16 clients" reads better than "2".
                where = [*path[:-1], f"{node['clients']} clients"] if "clients" in node else list(path)
                label = " / ".join((name, *where))
                curves[label] = [(float(ms), float(q)) for q, ms in enumerate(value) if _number(ms)]
    return curves


def throughput_curves(results: dict[str, dict[str, Any]]) -> Series:
    """(clients, throughput) points of every list of rows that has both."""
    curves: Series = {}
    for name, figures in results.items():
        for path, value in _walk(figures):
            if not (isinstance(value, list) and value and all(isinstance(r, dict) for r in value)):
                continue
            keys = [k for k in THROUGHPUT if all(_number(r.get(k)) for r in value)]
            if keys and all(_number(r.get("clients")) for r in value):
                label = " / ".join((name, *path, keys[0]))
                curves[label] = sorted((float(r["clients"]), float(r[keys[0]])) for r in value)
    return curves


def size_curves(results: dict[str, dict[str, Any]]) -> Series:
    """(registry size, p99 ms) points: mappings keyed by size, and rows with a size key."""
    curves: Series = {}
    for name, figures in results.items():
        for path, value in _walk(figures):
            if isinstance(value, dict) and len(value) >= 1 and all(k.isdigit() for k in value):
                for size, subtree in value.items():
                    for inner, leaf in _walk(subtree):
                        # p99 only (p50 doubles the lines and hides the tail); `p99` is in seconds.
                        scale = {"p99_ms": 1.0, "p99": 1000.0}.get(inner[-1] if inner else "")
                        if scale and _number(leaf):
                            label = " / ".join(part for part in (name, *inner[:-1]) if part != "patterns")
                            curves.setdefault(label, []).append((float(size), float(leaf) * scale))
            elif isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
                size_key = next((k for k in SIZE if all(_number(r.get(k)) for r in value)), None)
                for latency in LATENCY if size_key else ():
                    if all(_number(r.get(latency)) for r in value):
                        label = " / ".join((name, *path, latency))
                        curves[label] = [(float(r[size_key]), float(r[latency])) for r in value]
    return {label: sorted(points) for label, points in curves.items()}


def draw(curves: Series, out: Path, *, title: str, xlabel: str, ylabel: str, log: str = "") -> bool:
    """One line per curve into `out` (`log`: "x", "y" or "xy" axes); False when there is nothing to draw."""
    if not curves:
        print(f"no data for {out.name}: not drawn")
        return False
    figure, axes = plt.subplots(figsize=(11, 4.5), dpi=100)
    palette = plt.get_cmap("tab20")  # 20 distinct colours: the default cycle repeats after 10
    colours = [palette(i) for i in range(20)]
    for index, (label, points) in enumerate(sorted(curves.items())):
        axes.plot(
            [x for x, _ in points],
            [y for _, y in points],
            color=colours[index % len(colours)],
            marker="." if len(points) < 30 else "",
            label=label,
        )
    if "x" in log:
        axes.set_xscale("log")
    if "y" in log:
        axes.set_yscale("log")
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # beside the plot, not over it
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
    print(f"wrote {out}")
    return True


def main(argv: list[str] | None = None) -> None:
    """Read the results and write the plots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path(os.environ.get("BENCH_RESULTS") or RESULTS))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance")
    args = parser.parse_args(argv)
    results = load(args.results)
    draw(
        latency_curves(results),
        args.out / "latency_distribution.png",
        title="Latency distribution",
        xlabel="latency (ms, log)",
        ylabel="percentile",
        log="x",
    )
    draw(
        throughput_curves(results),
        args.out / "throughput_vs_clients.png",
        title="Throughput vs concurrent clients",
        xlabel="clients",
        ylabel="throughput",
    )
    draw(
        size_curves(results),
        args.out / "search_latency_vs_size.png",
        title="Search latency vs registry size",
        xlabel="artifacts (log)",
        ylabel="ms (log)",
        log="xy",
    )


if __name__ == "__main__":
    main()
