"""A Lambda cold start: `import main` (what the runtime does before any event) and the first invocations.

Each measurement runs in a fresh interpreter, as a new Lambda execution environment would, on a temporary
embedded storage (the AWS driver needs a DynamoDB table and a bucket; moto is no proxy for their latency):
- `python -X importtime -c "import main"`: the cumulative import time of `main` (the app is built at import),
  the process's wall time, and the top-level packages that cost the most (self time summed per package);
- the first Mangum invocations of a fresh process against an existing registry (created by an uncounted first
  start, as a deployed Lambda finds its table), with API Gateway HTTP API (payload 2.0) events built
  in-process: GET /health, PUT /authenticate, an authenticated POST /artifacts, and GET /health again (warm).
Baselines in the same run: `python -c pass` (the interpreter's own start) and a bare FastAPI app behind Mangum
(the floor of any FastAPI Lambda). Beside wall times, the CPU time (user + system) of each process: on a
shared machine it moves far less than wall time. `--root` measures another checkout (e.g. an older commit,
exported with `git archive`) with this interpreter, for before/after figures.

Also `import main` with no byte-code at all (an empty, read-only PYTHONPYCACHEPREFIX): what a Lambda package
without .pyc files costs at every cold start.

    python -m bench.lambda_cold [--repeat 5] [--root PATH] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import results

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = "from fastapi import FastAPI; from mangum import Mangum; Mangum(FastAPI(), lifespan='auto')"
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")

# Runs in the child: imports main, then sends events through the Lambda handler; prints JSON timings.
INVOKE = r"""
import json, sys, time
started = time.perf_counter()
import main
imported = time.perf_counter()

ADMIN = {"user": {"name": "ece30861defaultadminuser", "is_admin": True},
         "secret": {"password": "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"}}

def event(method, path, body=None, token=None):
    headers = {"host": "bench.execute-api.us-east-1.amazonaws.com", "user-agent": "bench",
               "content-type": "application/json"}
    if token:
        headers["x-authorization"] = token
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": headers["host"],
            "domainPrefix": "bench", "requestId": f"bench-{time.monotonic_ns()}", "routeKey": "$default",
            "stage": "$default", "time": "02/Dec/2026:00:00:00 +0000", "timeEpoch": int(time.time() * 1000),
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "bench"},
        },
        "body": None if body is None else json.dumps(body), "isBase64Encoded": False,
    }

class Context:
    function_name = "registry"
    aws_request_id = "bench"

def call(*args, **kwargs):
    begun = time.perf_counter()
    answer = main.handler(event(*args, **kwargs), Context())
    return answer, (time.perf_counter() - begun) * 1000

out = {"import_ms": (imported - started) * 1000}
answer, out["first_health_ms"] = call("GET", "/health")
assert answer["statusCode"] == 200, answer
answer, out["authenticate_ms"] = call("PUT", "/authenticate", ADMIN)
assert answer["statusCode"] == 200, answer
token = json.loads(answer["body"])
answer, out["first_authenticated_ms"] = call("POST", "/artifacts", [{"name": "*"}], token)
assert answer["statusCode"] == 200, answer
answer, out["warm_health_ms"] = call("GET", "/health")
assert answer["statusCode"] == 200, answer
print(json.dumps(out))
"""


def _environment(data_dir: str, bytecode: Path, write: bool) -> dict[str, str]:
    """The environment of a fresh registry on embedded storage in `data_dir`, compiled code under `bytecode`.

    Byte-code lives in a folder of the run's own (PYTHONPYCACHEPREFIX), never in the source tree: `write`
    lets the first run fill it; an empty folder that may not be written is a package without .pyc files on a
    read-only file system (Lambda's /var/task), where every cold start compiles every module it imports.
    """
    # PYTHONDONTWRITEBYTECODE is dropped too: inherited (the shell, the Dockerfile set it), it made every
    # "compiled" run compile every module, site-packages included (a cache prefix hides their __pycache__).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("REGISTRY_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    return (
        env
        | {
            "REGISTRY_DATA_DIR": data_dir,
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_HEALTH_PROBE_INTERVAL_SECONDS": "3600",
            "HF_HOME": str(Path(data_dir) / "hf"),
            "PYTHONPYCACHEPREFIX": str(bytecode),
        }
        | ({} if write else {"PYTHONDONTWRITEBYTECODE": "1"})
    )


def parse_importtime(stderr: str) -> tuple[float, dict[str, float]]:
    """(cumulative ms of `main`, self ms summed per top-level package) from `-X importtime` output."""
    main_ms = float("nan")
    per_package: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        self_us, cumulative_us, _, module = match.groups()
        if module == "main":
            main_ms = int(cumulative_us) / 1000
        else:
            per_package[module.split(".", 1)[0]] += int(self_us) / 1000
    return main_ms, dict(per_package)


def _child(
    argv: list[str], root: Path, data_dir: str, bytecode: Path, write: bool = True
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run one fresh interpreter in `root`: (its outcome, wall ms, CPU ms of user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *argv],
        cwd=root,
        env=_environment(data_dir, bytecode, write),
        capture_output=True,
        text=True,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed: {done.stderr[-2000:]}")
    cpu_ms = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return done, wall_ms, cpu_ms


def importtime(root: Path, data_dir: str, bytecode: Path, write: bool = True) -> dict[str, Any]:
    """One fresh `python -X importtime -c "import main"`: main's cumulative, wall, CPU and per-package ms."""
    done, wall_ms, cpu_ms = _child(["-X", "importtime", "-c", "import main"], root, data_dir, bytecode, write)
    main_ms, per_package = parse_importtime(done.stderr)
    return {"main_ms": main_ms, "wall_ms": wall_ms, "cpu_ms": cpu_ms, "packages": per_package}


def floor(code: str, data_dir: str, bytecode: Path) -> tuple[float, float]:
    """(wall ms, CPU ms) of a fresh interpreter running `code`: the baselines."""
    _, wall_ms, cpu_ms = _child(["-c", code], ROOT, data_dir, bytecode)
    return wall_ms, cpu_ms


def first_invocations(root: Path, data_dir: str, bytecode: Path) -> dict[str, float]:
    """Timings (ms) of a fresh process importing main and sending its first events through Mangum."""
    done, wall_ms, cpu_ms = _child(["-c", INVOKE], root, data_dir, bytecode)
    timings: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return timings | {"process_wall_ms": wall_ms, "process_cpu_ms": cpu_ms}


def _median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _run(root: Path, repeat: int, tmp: Path, *, warm_up: bool = True) -> dict[str, list[Any]]:
    """Every measurement `repeat` times, interleaved so a busy moment of the machine hits them all alike."""
    cache = tmp / "bytecode"
    registry = str(tmp / "registry")
    if warm_up:  # the smoke run skips it: its figures are then those of a first start, byte-code compiled
        # Compiles every module into the run's byte-code folder and reads the files from disk; not counted.
        importtime(root, str(tmp / "warm-up"), cache)
        floor(BARE_APP, str(tmp / "warm-up-bare"), cache)
        # The registry the cold starts find: created once, as a deployed Lambda finds its DynamoDB table.
        first_invocations(root, registry, cache)
    runs: dict[str, list[Any]] = {
        key: [] for key in ("interpreter", "bare_app", "imports", "uncompiled", "invocations")
    }
    for index in range(repeat):
        runs["interpreter"].append(floor("pass", str(tmp / f"pass-{index}"), cache))
        runs["bare_app"].append(floor(BARE_APP, str(tmp / f"bare-{index}"), cache))
        runs["imports"].append(importtime(root, str(tmp / f"import-{index}"), cache))
        empty = tmp / f"no-bytecode-{index}"
        runs["uncompiled"].append(importtime(root, str(tmp / f"uncompiled-{index}"), empty, write=False))
        runs["invocations"].append(first_invocations(root, registry, cache))
    return runs


def _figures(runs: dict[str, list[Any]], top: int) -> dict[str, Any]:
    imports = runs["imports"]
    packages = {
        name: statistics.median(run["packages"].get(name, 0.0) for run in imports)
        for name in imports[0]["packages"]
    }
    return {
        "interpreter_wall_ms": statistics.median(w for w, _ in runs["interpreter"]),
        "interpreter_cpu_ms": statistics.median(c for _, c in runs["interpreter"]),
        "bare_fastapi_wall_ms": statistics.median(w for w, _ in runs["bare_app"]),
        "bare_fastapi_cpu_ms": statistics.median(c for _, c in runs["bare_app"]),
        "import_main_cumulative_ms": statistics.median(run["main_ms"] for run in imports),
        "import_process_wall_ms": statistics.median(run["wall_ms"] for run in imports),
        "import_process_cpu_ms": statistics.median(run["cpu_ms"] for run in imports),
        "uncompiled_main_cumulative_ms": statistics.median(run["main_ms"] for run in runs["uncompiled"]),
        "uncompiled_process_wall_ms": statistics.median(run["wall_ms"] for run in runs["uncompiled"]),
        "uncompiled_process_cpu_ms": statistics.median(run["cpu_ms"] for run in runs["uncompiled"]),
        "invocations_ms": _median_of(runs["invocations"]),
        "heaviest_packages_ms": dict(sorted(packages.items(), key=lambda kv: -kv[1])[:top]),
        "load_average_1min": os.getloadavg()[0],
    }


def main() -> None:
    """Measure, print and write bench/results/lambda_cold.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per figure (median)")
    parser.add_argument("--top", type=int, default=12, help="packages to list by import cost")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose main is measured")
    parser.add_argument("--name", default="lambda_cold", help="results file name (e.g. lambda_cold_before)")
    parser.add_argument("--smoke", action="store_true", help="one process per figure")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory(prefix="lambda-cold-") as tmp:
        figures = _figures(_run(args.root.resolve(), repeat, Path(tmp), warm_up=not args.smoke), args.top)
    print(f"cold start of {args.root}, embedded storage, median of {repeat} fresh processes (ms; wall / CPU)")
    rows = [
        ("baseline: python -c pass", "interpreter_wall_ms", "interpreter_cpu_ms"),
        ("baseline: bare FastAPI app + Mangum", "bare_fastapi_wall_ms", "bare_fastapi_cpu_ms"),
        ("python -X importtime -c 'import main': main", "import_main_cumulative_ms", None),
        ("the same process", "import_process_wall_ms", "import_process_cpu_ms"),
        ("import main without .pyc files (read-only, as Lambda)", "uncompiled_main_cumulative_ms", None),
        ("the same process", "uncompiled_process_wall_ms", "uncompiled_process_cpu_ms"),
    ]
    for label, wall, cpu in rows:
        print(f"  {label:<50}{figures[wall]:7.0f}" + (f" / {figures[cpu]:.0f}" if cpu else " cumulative"))
    for key, value in figures["invocations_ms"].items():
        print(f"  {key:<50}{value:7.1f}")
    heavy = ", ".join(f"{k} {v:.0f}" for k, v in figures["heaviest_packages_ms"].items())
    print(f"  heaviest packages (self time summed, ms): {heavy}")
    print(f"  machine load average (1 min): {figures['load_average_1min']:.1f} on {os.cpu_count()} CPUs")
    options = {"repeat": repeat, "storage": "embedded", "root": str(args.root)}
    results.write(args.name, figures, options=options)


if __name__ == "__main__":
    main()
