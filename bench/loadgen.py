"""Load generation for download benchmarks: `wrk` driving N keep-alive connections, nginx as the baseline.

wrk (Debian's package; `backend/install-system-deps.sh` installs it) is a C client built on an event loop, so
on two cores it is not the bottleneck the way a Python client would be: it parses responses and throws the
bodies away. A small Lua `done` hook prints its exact figures (HdrHistogram latencies, bytes, every error
class) as one JSON line, which `run_wrk` reads back.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.memory import tree_pids

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


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its live descendants have used, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in tree_pids(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (Linux /proc)."""
    total_kib = 0
    for current in tree_pids(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


async def _fetch(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, buf: memoryview, request: bytes
) -> int:
    """Send one request and read its whole answer; the body's size (negative: -size-1 when not 200)."""
    await loop.sock_sendall(sock, request)
    head = b""
    while b"\r\n\r\n" not in head:
        n = await loop.sock_recv_into(sock, buf)
        if n == 0:
            raise ConnectionError("closed before the headers")
        head += bytes(buf[:n])
    head, _, rest = head.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        (
            int(h.split(b":", 1)[1])
            for h in head.split(b"\r\n")[1:]
            if h.lower().startswith(b"content-length:")
        ),
        None,
    )
    if length is None:
        raise ConnectionError("no Content-Length")
    got = len(rest)
    while got < length:
        n = await loop.sock_recv_into(sock, buf)
        if n == 0:
            raise ConnectionError("closed mid-body")
        got += n
    return length if status == 200 else -length - 1


def _one_process_load(url: str, clients: int, rounds: int, headers: dict[str, str]) -> dict[str, Any]:
    """`clients` keep-alive connections in one asyncio loop, each fetching `url` `rounds` times."""
    parts = urlsplit(url)
    lines = [
        f"GET {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "status": 0}
    total = 0

    async def client() -> None:
        nonlocal total
        loop = asyncio.get_running_loop()
        buf = memoryview(bytearray(1 << 20))
        sock = socket.socket()
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, (parts.hostname or "127.0.0.1", parts.port or 80))
        except OSError:
            errors["connect"] += 1
            return
        try:
            for _ in range(rounds):
                started = time.perf_counter()
                try:
                    size = await _fetch(loop, sock, buf, request)
                except (OSError, ValueError, IndexError):
                    errors["read"] += 1
                    return
                if size < 0:
                    errors["status"] += 1
                    total += -size - 1
                    continue
                latencies.append(time.perf_counter() - started)
                total += size
        finally:
            sock.close()

    async def everyone() -> None:
        await asyncio.gather(*(client() for _ in range(clients)))

    began = time.time()
    asyncio.run(everyone())
    return {"latencies": latencies, "errors": errors, "bytes": total, "began": began, "ended": time.time()}


def run_clients(
    url: str, *, clients: int, rounds: int, headers: dict[str, str], processes: int | None = None
) -> LoadResult:
    """`clients` connections (spread over one client process per core), each downloading `url` `rounds` times.

    A small HTTP/1.1 client on raw non-blocking sockets reading into a 1 MiB buffer: a 20 MiB body takes a few
    dozen Python steps, so the kernel's copies, not the client, bound it. Every request is counted to its last
    byte, so the throughput is whole downloads per second of wall time.
    """
    from concurrent.futures import ProcessPoolExecutor

    processes = max(1, min(clients, processes or os.cpu_count() or 1))
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        parts = list(
            pool.map(
                _one_process_load, [url] * processes, shares, [rounds] * processes, [headers] * processes
            )
        )
    wall = max(part["ended"] for part in parts) - min(part["began"] for part in parts)  # without start-up
    latencies = sorted(x * 1000 for part in parts for x in part["latencies"])
    errors = {k: sum(part["errors"][k] for part in parts) for k in ("connect", "read", "status")}

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0.0

    return LoadResult(
        requests=len(latencies),
        bytes=sum(part["bytes"] for part in parts),
        seconds=wall,
        mean_ms=sum(latencies) / len(latencies) if latencies else 0.0,
        median_ms=pct(0.5),
        p90_ms=pct(0.9),
        p99_ms=pct(0.99),
        max_ms=latencies[-1] if latencies else 0.0,
        errors=errors,
    )
