"""The registry a benchmark measures: a server process or an app in this process, and the admin's login.

One owner for what the benchmarks used to copy: the spec's default admin login, the cheap password hashing a
benchmark's throw-away registry may use, and starting a registry (uvicorn on a free loopback port, embedded
storage in a folder, pointed at a fake hub). Kept light on imports: `bench.soak_locust` loads it before locust
patches the process for gevent, so the registry's own modules are imported only where an app is built here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

import httpx

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
# The spec's published default admin (package/routers/auth owns the registry's side; a test keeps them equal).
ADMIN_NAME = "ece30861defaultadminuser"
ADMIN_PASSWORD = "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"
ADMIN = {"user": {"name": ADMIN_NAME, "is_admin": True}, "secret": {"password": ADMIN_PASSWORD}}
# argon2 at its real cost takes ~0.1 s a hash; a benchmark that logs in often may hash at the cheapest cost.
CHEAP_HASHING = {
    "REGISTRY_PASSWORD_HASH_TIME_COST": "1",
    "REGISTRY_PASSWORD_HASH_MEMORY_KIB": "8",
    "REGISTRY_PASSWORD_HASH_PARALLELISM": "1",
}


class Hub(Protocol):
    """Where the registry finds Hugging Face and GitHub: a FakeHub in this process, or `HubAt` another's."""

    @property
    def hf_url(self) -> str:
        """The Hugging Face endpoint."""
        ...

    @property
    def github_url(self) -> str:
        """The GitHub API endpoint."""
        ...


class HubAt(NamedTuple):
    """The URLs of a fake hub running in another process."""

    hf_url: str
    github_url: str


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(hub: Hub, data_dir: Path, settings: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its REGISTRY_* settings, plus a registry's on `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {
        "REGISTRY_DATA_DIR": str(data_dir),
        "HF_ENDPOINT": hub.hf_url,
        "GITHUB_API_URL": hub.github_url,
        "REGISTRY_LOG_LEVEL": "WARNING",
        "HF_HOME": str(data_dir / "hf"),
    }
    return env | dict(settings or {})


def start_server(
    hub: Hub, data_dir: Path, settings: Mapping[str, str] | None = None, *, start_timeout: float = 90.0
) -> tuple[subprocess.Popen[bytes], str]:
    """A registry server (uvicorn) on a free loopback port, answering; the caller stops the process.
    `start_timeout`: seconds its start-up may take (a registry of 100,000 artifacts takes minutes)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=server_env(hub, data_dir, settings),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc, start_timeout)
    except (RuntimeError, TimeoutError):
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # still in its start-up, which SIGTERM does not interrupt
            proc.kill()
        raise
    return proc, url


def stop_group(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM to a server started with `start_new_session=True`, then SIGKILL to what is left of its session.

    granian's workers are the master's children: a master killed or stopped late must not leave them serving.
    """
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Poll until the server at `url` answers (any status); raise if `proc` exits or `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            httpx.get(f"{url}/health/ready", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")


def rss_mib(pid: int) -> float:
    """Resident memory of process `pid` (a registry server), in MiB; NaN where Linux does not say."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def admin_token(http: httpx.Client | TestClient) -> str:
    """The default admin's session token from the registry `http` talks to (raises if the login fails)."""
    response = http.put("/authenticate", json=ADMIN)
    response.raise_for_status()
    token: str = response.json()
    return token


def admin_headers(http: httpx.Client | TestClient) -> dict[str, str]:
    """The X-Authorization header of the default admin's session on the registry `http` talks to."""
    return {"X-Authorization": admin_token(http)}


def in_process(hub: Hub, settings: Mapping[str, str]) -> TestClient:
    """A registry app in this process on `hub` and exactly `settings` (this process's REGISTRY_* variables
    replaced), logged in as the admin; the client stays open for the rest of the run."""
    from fastapi.testclient import TestClient

    from main import create_app
    from package.core.config import clear_settings_caches
    from package.core.storage import get_storage
    from package.core.upstream.clients import get_upstreams
    from package.routers.rating import services as rating_services

    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        del os.environ[name]
    os.environ |= {"HF_ENDPOINT": hub.hf_url, "GITHUB_API_URL": hub.github_url, **settings}
    clear_settings_caches()  # the shared settings and every domain's
    for cached in (get_storage, get_upstreams):
        cached.cache_clear()
    rating_services.reset_pipeline()
    client = TestClient(create_app())
    client.__enter__()
    client.headers["X-Authorization"] = admin_token(client)
    return client
