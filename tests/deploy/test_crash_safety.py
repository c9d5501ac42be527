"""kill -9 during an ingest, a mirror copy, a delete and a reset (issue 13): after a restart the store is
consistent and interrupted background work resumes. A real server process on the embedded driver."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CHEAP_PASSWORD_HASHING
from tests.deploy.split import free_port
from tests.fakehub import FakeHub
from tests.live_registry import admin_client

ROOT = Path(__file__).resolve().parents[2]
FILES = {f"part{i}.bin": (300_000, 40 + i) for i in range(6)}


class Server:
    """One registry process on a data folder, killed with SIGKILL and started again on the same folder."""

    def __init__(self, data_dir: Path, hub: FakeHub) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")
        } | CHEAP_PASSWORD_HASHING
        self.env |= {
            "REGISTRY_DATA_DIR": str(data_dir),
            "HF_ENDPOINT": hub.hf_url,
            "GITHUB_API_URL": hub.github_url,
            "REGISTRY_RATE_ON_INGEST": "false",
            "REGISTRY_LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "main:app",
            "--port",
            str(self.port),
            "--no-proxy-headers",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the registry did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def client(self) -> httpx.Client:
        return admin_client(self.url, timeout=30)


@pytest.fixture
def server(hub: FakeHub, tmp_path: Path) -> Iterator[Server]:
    hub.reset_controls()
    running = Server(tmp_path / "data", hub)
    running.start()
    yield running
    hub.reset_controls()
    if running.process is not None and running.process.poll() is None:
        running.kill()


def _in_background(call: Callable[[], Any]) -> threading.Thread:
    def swallow() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server dies under it
            call()

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    return thread


def _restart(server: Server) -> httpx.Client:
    server.kill()
    server.start()
    return server.client()


def _listed(client: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.post("/artifacts", json=[{"name": "*"}]).json()
    return found


def _wait_mirrored(client: httpx.Client, artifact_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mirror: dict[str, Any] = client.get(f"/artifact/model/{artifact_id}/details").json()["mirror"]
        if mirror["status"] in {"complete", "failed"}:
            return mirror
        time.sleep(0.2)
    raise AssertionError("the mirror did not finish")


def _mirrored_model(server: Server, hub: FakeHub, repo_id: str) -> tuple[httpx.Client, str]:
    """An admin client and the id of the model `repo_id` (six files), registered and copied to the store."""
    hub.add_model(repo_id, files=FILES)
    client = server.client()
    created = client.post("/artifact/model", json={"url": f"https://huggingface.co/{repo_id}"})
    artifact_id: str = created.json()["metadata"]["id"]
    _wait_mirrored(client, artifact_id)
    return client, artifact_id


def _bundle_names(client: httpx.Client, artifact_id: str) -> set[str]:
    response = client.get(f"/download/model/{artifact_id}")
    assert response.status_code == 200
    return set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())


def test_killed_during_an_ingest_stores_nothing(server, hub):
    hub.add_model("crash/ingest", files=FILES)
    client = server.client()
    hub.set_latency("hf", 2.0)
    _in_background(
        lambda: client.post("/artifact/model", json={"url": "https://huggingface.co/crash/ingest"})
    )
    time.sleep(0.8)
    hub.set_latency("hf", 0)
    client = _restart(server)
    assert _listed(client) == []
    assert (
        client.post("/artifact/model", json={"url": "https://huggingface.co/crash/ingest"}).status_code == 201
    )


def test_killed_during_a_mirror_copy_resumes_it_after_restart(server, hub, tmp_path):
    hub.add_model("crash/mirror", files=FILES)
    client = server.client()
    hub.set_latency("hf", 0.4)  # each file takes a while: the kill lands mid-copy
    created = client.post("/artifact/model", json={"url": "https://huggingface.co/crash/mirror"})
    artifact_id = created.json()["metadata"]["id"]
    time.sleep(0.6)
    assert client.get(f"/artifact/model/{artifact_id}/details").json()["mirror"]["status"] != "complete"
    hub.set_latency("hf", 0)
    client = _restart(server)
    assert _wait_mirrored(client, artifact_id)["status"] == "complete"
    assert {"part0.bin", "part5.bin"} <= _bundle_names(client, artifact_id)


@pytest.mark.parametrize("after", [0.0, 0.02, 0.2])
def test_killed_during_a_delete_leaves_all_or_nothing(server, hub, after):
    client, artifact_id = _mirrored_model(server, hub, "crash/delete")
    _in_background(lambda: client.delete(f"/artifacts/model/{artifact_id}"))
    time.sleep(after)
    client = _restart(server)
    if client.get(f"/artifacts/model/{artifact_id}").status_code == 200:
        assert {"part0.bin", "part5.bin"} <= _bundle_names(client, artifact_id)
    else:
        assert client.get(f"/download/model/{artifact_id}").status_code == 404
        assert (
            client.post("/artifact/model", json={"url": "https://huggingface.co/crash/delete"}).status_code
            == 201
        )


@pytest.mark.parametrize("after", [0.0, 0.05])
def test_killed_during_a_reset_leaves_a_usable_registry(server, hub, after):
    client, _ = _mirrored_model(server, hub, "crash/reset")
    _in_background(lambda: client.delete("/reset"))
    time.sleep(after)
    client = _restart(server)  # logging in works: the default admin exists
    for artifact in _listed(client):
        assert {"part0.bin", "part5.bin"} <= _bundle_names(client, artifact["id"])
    registered = client.post("/artifact/model", json={"url": "https://huggingface.co/crash/reset"})
    assert registered.status_code in {201, 409}
