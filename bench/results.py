"""Where every benchmark leaves its figures: `bench/results/<name>.json`, plus the same figures printed.

Each benchmark module is runnable as `python -m bench.<name>` and accepts `--smoke` (tiny sizes, seconds: what
`make test` runs so the benchmarks cannot rot). The JSON holds the machine, the options the run used, and the
figures, each compared with the baseline measured in the same run where the benchmark has one.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """The facts a reader needs to compare figures between runs."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "argv": sys.argv[1:],
    }


def write(name: str, figures: dict[str, Any], *, options: dict[str, Any] | None = None) -> Path:
    """Write one benchmark's figures to bench/results/<name>.json (or $BENCH_RESULTS); return it."""
    folder = Path(os.environ.get("BENCH_RESULTS") or RESULTS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    payload = {
        "benchmark": name,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "options": options or {},
        "figures": figures,
    }
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    print(f"figures written to {path}")
    return path
