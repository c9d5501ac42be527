"""Download benchmark runs against a registry served over HTTP: figures, one at a time, its credential."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from package.core.config import clear_settings_caches
from package.routers.health import download_benchmark
from tests.conftest import wait_for_mirrors
from tests.live_registry import admin_client, serve_registry

ROUTE = "/health/download-benchmark"
GENDER = "https://huggingface.co/crangana/trained-gender"
TIMEOUT_SECONDS = 30


class TokenRecorder:
    """Remember the X-Authorization of every download request the server receives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.tokens: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record, then serve unchanged."""
        if scope["type"] == "http" and scope["path"].startswith("/download/"):
            for name, value in scope["headers"]:
                if name == b"x-authorization":
                    self.tokens.append(value.decode())
        await self.app(scope, receive, send)


class Live:
    """The served registry, its admin client, the recorder and a mirrored small model."""

    def __init__(self, url: str, admin: httpx.Client, recorder: TokenRecorder) -> None:
        self.url, self.admin, self.recorder = url, admin, recorder
        response = admin.post("/artifact/model", json={"url": GENDER})
        assert response.status_code == 201, response.text
        wait_for_mirrors()
        self.artifact_id = str(response.json()["metadata"]["id"])

    def start(self, **extra: Any) -> dict[str, Any]:
        """Start a run of the small model; assert 202."""
        body = {"artifact_type": "model", "artifact_id": self.artifact_id} | extra
        response = self.admin.post(ROUTE, json=body)
        assert response.status_code == 202, response.text
        run: dict[str, Any] = response.json()
        return run

    def finished(self, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll the run until it is done or failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run: dict[str, Any] = self.admin.get(f"{ROUTE}/{job_id}").json()
            if run["state"] in {"done", "failed"}:
                return run
            time.sleep(0.1)
        raise AssertionError(f"the run {job_id} did not finish")


@pytest.fixture
def live(registry_env, monkeypatch) -> Iterator[Live]:
    """A registry over HTTP in this process (the benchmark's loopback target is itself)."""
    monkeypatch.setenv("REGISTRY_HEALTH_BENCHMARK_TIMEOUT_SECONDS", str(TIMEOUT_SECONDS))
    clear_settings_caches()
    recorder: list[TokenRecorder] = []

    def wrap(app: ASGIApp) -> ASGIApp:
        recorder.append(TokenRecorder(app))
        return recorder[0]

    with serve_registry(wrap) as url, admin_client(url) as admin:
        yield Live(url, admin, recorder[0])
        download_benchmark.cancel_running("test over", wait_seconds=10)


def test_a_run_reports_the_bytes_it_downloaded_and_their_figures(live: Live):
    bundle = live.admin.get(f"/download/model/{live.artifact_id}")
    assert bundle.status_code == 200
    run = live.start(clients=3, downloads_per_client=2)
    assert run["state"] in {"queued", "running"} and run["progress"] == {"done": 0, "total": 6}
    assert run["target"] == "loopback" and run["target_url"].startswith("http://127.0.0.1:")
    done = live.finished(run["job_id"])
    assert done["state"] == "done", done
    assert done["expected_bytes"] == len(bundle.content)
    figures = done["figures"]
    assert figures["downloads"] == 6 and figures["errors"] == 0 and done["error"] is None
    assert figures["bytes"] == 6 * len(bundle.content)
    assert 0 < figures["median_ms"] <= figures["p99_ms"] and figures["mean_ms"] > 0
    assert figures["throughput_mb_s"] > 0 and figures["seconds"] > 0
    assert done["progress"] == {"done": 6, "total": 6} and done["started_by"] == "ece30861defaultadminuser"
    assert datetime.fromisoformat(done["finished_at"]) >= datetime.fromisoformat(done["started_at"])
    listed = live.admin.get(ROUTE).json()
    assert [r["job_id"] for r in listed][:1] == [run["job_id"]]
    page = live.admin.get("/web/health").text
    assert run["job_id"] in page and "Throughput" in page  # the health page shows the latest run
    # The minted token was the only one sent to the downloads, and it died with the run.
    minted = set(live.recorder.tokens[1:])
    assert len(minted) == 1 and live.admin.headers["X-Authorization"] not in minted
    denied = httpx.get(
        f"{live.url}/download/model/{live.artifact_id}", headers={"X-Authorization": minted.pop()}
    )
    assert denied.status_code == 403


def test_one_run_at_a_time_and_its_token_only_downloads(live: Live):
    run = live.start(clients=1, downloads_per_client=1000)
    deadline = time.monotonic() + 20
    while len(live.recorder.tokens) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.recorder.tokens, "no download started"
    again = live.admin.post(ROUTE, json={"artifact_type": "model", "artifact_id": live.artifact_id})
    assert again.status_code == 409 and again.json()["error"] == "benchmark_running"
    minted = {"X-Authorization": live.recorder.tokens[0]}
    with httpx.Client(base_url=live.url, headers=minted, timeout=30) as bench:
        assert bench.get(f"/download/model/{live.artifact_id}").status_code == 200
        assert bench.post("/artifacts", json=[{"name": "*"}]).status_code == 403  # no search
        assert bench.post("/artifact/model", json={"url": GENDER}).status_code == 403  # no upload
        assert bench.get(ROUTE).status_code == 403 and bench.get("/users").status_code == 403  # no admin
        assert bench.delete("/reset").status_code in {401, 403}
        assert bench.post("/tokens", json={"name": "more"}).status_code == 403  # cannot mint others
    tokens = live.admin.get("/tokens").json()
    mine = [t for t in tokens if t["name"] == f"download-benchmark {run['job_id']}"]
    assert len(mine) == 1 and mine[0]["permissions"] == ["download"]
    lifetime = datetime.fromisoformat(mine[0]["expires_at"]) - datetime.fromisoformat(mine[0]["created_at"])
    assert lifetime.total_seconds() == TIMEOUT_SECONDS + download_benchmark.TOKEN_GRACE_SECONDS  # minutes
    # A reset stops the run and forgets every run.
    assert live.admin.delete("/reset").status_code == 200
    assert download_benchmark.wait_idle(timeout=20)
    assert live.admin.get(ROUTE).json() == []
    assert live.admin.get(f"{ROUTE}/{run['job_id']}").status_code == 404
    revoked = httpx.get(f"{live.url}/download/model/{live.artifact_id}", headers=minted)
    assert revoked.status_code == 403


def test_a_run_over_its_time_limit_stops_and_says_so(live: Live, monkeypatch):
    monkeypatch.setenv("REGISTRY_HEALTH_BENCHMARK_TIMEOUT_SECONDS", "1")
    clear_settings_caches()
    run = live.start(clients=2, downloads_per_client=1000)
    done = live.finished(run["job_id"], timeout=30)
    assert done["state"] == "failed" and "TIMEOUT_SECONDS" in done["error"]
    # Downloads cut short are not samples: under load the first ones may not have finished yet.
    assert done["progress"]["done"] < 2000 and done["figures"]["errors"] == 0
