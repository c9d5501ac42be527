"""A Lambda cold start: `import main` (what the runtime does before any event) and the first invocations.

Each measurement runs in a fresh interpreter, as a new Lambda execution environment would, on a temporary
embedded storage (the AWS driver needs a DynamoDB table and a bucket; moto is no proxy for their latency):
- `python -X importtime -c "import main"`: the cumulative import time of `main` (the app is built at import),
  the process's wall time, and the top-level packages that cost the most (self time summed per package);
- the first Mangum invocations, with API Gateway HTTP API (payload 2.0) events built in-process: GET /health,
  PUT /authenticate, an authenticated POST /artifacts, and GET /health again (warm).
The baseline is `python -c pass` in the same run (the interpreter's own start).

    python -m bench.lambda_cold [--repeat 5] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench import results

ROOT = Path(__file__).resolve().parents[1]
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


def _environment(data_dir: str) -> dict[str, str]:
    """The process environment of a fresh registry on embedded storage in `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    return env | {
        "REGISTRY_DATA_DIR": data_dir,
        "REGISTRY_LOG_LEVEL": "WARNING",
        "REGISTRY_HEALTH_PROBE_INTERVAL_SECONDS": "3600",
        "HF_HOME": str(Path(data_dir) / "hf"),
        "PYTHONDONTWRITEBYTECODE": "1",  # leave the source tree as it was; .pyc files already there are used
    }


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


def importtime(data_dir: str) -> tuple[float, float, dict[str, float]]:
    """(cumulative ms of `import main`, wall ms of the whole process, self ms per package), one fresh run."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import main"],
        cwd=ROOT,
        env=_environment(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    main_ms, per_package = parse_importtime(done.stderr)
    return main_ms, wall_ms, per_package


def interpreter_ms() -> float:
    """Wall ms of `python -c pass`: the interpreter's own start, the floor of any cold start."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - started) * 1000


def first_invocations(data_dir: str) -> dict[str, float]:
    """Timings (ms) of a fresh process importing main and sending its first events through Mangum."""
    done = subprocess.run(
        [sys.executable, "-c", INVOKE],
        cwd=ROOT,
        env=_environment(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    timings: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return timings


def _median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    """Measure, print and write bench/results/lambda_cold.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per figure (median)")
    parser.add_argument("--top", type=int, default=12, help="packages to list by import cost")
    parser.add_argument("--smoke", action="store_true", help="one process per figure")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory(prefix="lambda-cold-") as tmp:
        importtime(str(Path(tmp) / "warm-up"))  # the first run reads the files from disk; not counted
        imports = [importtime(str(Path(tmp) / f"import-{i}")) for i in range(repeat)]
        invocations = [first_invocations(str(Path(tmp) / f"invoke-{i}")) for i in range(repeat)]
        baseline = statistics.median(interpreter_ms() for _ in range(repeat))
    main_ms = statistics.median(run[0] for run in imports)
    wall_ms = statistics.median(run[1] for run in imports)
    packages = {name: statistics.median(run[2].get(name, 0.0) for run in imports) for name in imports[0][2]}
    top = dict(sorted(packages.items(), key=lambda kv: -kv[1])[: args.top])
    invoked = _median_of(invocations)
    print(f"cold start on embedded storage, median of {repeat} fresh processes (ms)")
    print(f"  baseline: python -c pass (wall)                 {baseline:8.0f}")
    print(f"  python -X importtime -c 'import main': main     {main_ms:8.0f} cumulative")
    print(f"  the same process, wall                          {wall_ms:8.0f}")
    for key, value in invoked.items():
        print(f"  {key:<48}{value:8.1f}")
    print("  heaviest packages (self time summed, ms): " + ", ".join(f"{k} {v:.0f}" for k, v in top.items()))
    figures = {
        "interpreter_ms": baseline,
        "import_main_cumulative_ms": main_ms,
        "import_process_wall_ms": wall_ms,
        "invocations_ms": invoked,
        "heaviest_packages_ms": top,
    }
    results.write("lambda_cold", figures, options={"repeat": repeat, "storage": "embedded"})


if __name__ == "__main__":
    main()
