"""Load generation for download benchmarks: `wrk` driving N keep-alive connections, nginx as the baseline.

wrk (Debian's package; `backend/install-system-deps.sh` installs it) is a C client built on an event loop, so
on two cores it is not the bottleneck the way a Python client would be: it parses responses and throws the
bodies away. A small Lua `done` hook prints its exact figures (HdrHistogram latencies, bytes, every error
class) as one JSON line, which `run_wrk` reads back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DONE_HOOK = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRKJSON {"requests":%d,"bytes":%d,"duration_us":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.bytes, summary.duration, latency.mean, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status,
    e.timeout))
end
"""


def wrk_binary() -> str:
    """wrk's path (`backend/install-system-deps.sh` installs it)."""
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is missing: apt-get install wrk (backend/install-system-deps.sh does)")
    return found


def nginx_path() -> str:
    """nginx's path (`backend/install-system-deps.sh` installs nginx-light)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError(
            "nginx is missing: apt-get install nginx-light (backend/install-system-deps.sh does)"
        )
    return found


@dataclass(frozen=True)
class LoadResult:
    """What one wrk run saw."""

    requests: int
    bytes: int
    seconds: float
    mean_ms: float
    median_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]

    @property
    def throughput_mb_s(self) -> float:
        """Decimal megabytes of body and headers per second of the run."""
        return self.bytes / self.seconds / 1e6 if self.seconds else 0.0

    def figures(self) -> dict[str, Any]:
        """The result as JSON-ready figures."""
        return {
            "requests": self.requests,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "mean_ms": round(self.mean_ms, 1),
            "median_ms": round(self.median_ms, 1),
            "p90_ms": round(self.p90_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "throughput_mb_s": round(self.throughput_mb_s, 1),
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
        }


def run_wrk(url: str, *, clients: int, seconds: float, headers: dict[str, str], work: Path) -> LoadResult:
    """`clients` connections fetching `url` back to back for `seconds`, on one wrk thread per core."""
    script = work / "done.lua"
    script.write_text(_DONE_HOOK)
    threads = max(1, min(clients, os.cpu_count() or 1))
    args = [wrk_binary(), "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s"]
    args += ["--timeout", "120s", "-s", str(script)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 180)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures: {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    return LoadResult(
        requests=raw["requests"],
        bytes=raw["bytes"],
        seconds=raw["duration_us"] / 1e6,
        mean_ms=raw["mean_us"] / 1000,
        median_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors={k: int(raw[k]) for k in ("connect", "read", "write", "status", "timeout")},
    )


def start_nginx(root: Path, port: int, work: Path) -> subprocess.Popen[bytes]:
    """nginx (one worker per core, sendfile) serving the files under `root` at /files/ on `port`."""
    conf = work / "nginx-baseline"
    conf.mkdir(parents=True, exist_ok=True)
    temps = "".join(
        f"{t}_temp_path {conf}/{t};" for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    (conf / "nginx.conf").write_text(
        f"{user}worker_processes auto;\nevents {{ worker_connections 1024; }}\n"
        f"http {{ {temps} access_log off; error_log {conf}/error.log warn;\n"
        f"  server {{ listen 127.0.0.1:{port};\n"
        f"    location /files/ {{ alias {root}/; sendfile on; tcp_nopush on; }} }} }}\n"
    )
    args = [nginx_path(), "-p", str(conf), "-c", str(conf / "nginx.conf"), "-e", str(conf / "error.log")]
    proc = subprocess.Popen(
        [*args, "-g", f"daemon off; pid {conf}/nginx.pid;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return proc


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    total_kib, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024
