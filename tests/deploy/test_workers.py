"""`make run`'s several workers on one storage (granian, 2 processes): duplicate detection and reset hold
across them, left-over background work is resumed by one of them, batched bookkeeping survives a shutdown."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from bench.registry import stop_group
from package.core import leases
from package.core.config import Settings
from package.core.storage import Storage, open_storage
from tests.conftest import CHEAP_PASSWORD_HASHING, DEFAULT_ADMIN
from tests.deploy.split import free_port
from tests.fakehub import FakeHub
from tests.live_registry import admin_client

ROOT = Path(__file__).resolve().parents[2]
HF = "https://huggingface.co/"
FILES = {f"part{i}.bin": (300_000, 40 + i) for i in range(6)}


class Workers:
    """granian with two worker processes, as `make run` starts it on a two-core machine."""

    def __init__(self, data_dir: Path, hub: FakeHub, log: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")
        } | CHEAP_PASSWORD_HASHING
        self.env |= {
            "REGISTRY_DATA_DIR": str(data_dir),
            "HF_ENDPOINT": hub.hf_url,
            "GITHUB_API_URL": hub.github_url,
            "REGISTRY_RATE_ON_INGEST": "false",
            "REGISTRY_LOG_LEVEL": "INFO",
            "REGISTRY_WRITE_BEHIND_MS": "60000",  # nothing is written before the shutdown flush
            "PROMETHEUS_MULTIPROC_DIR": str(data_dir.parent / "metrics"),  # as `make run` sets it
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0

    def start(self, workers: int = 2) -> None:
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(self.port)]
        command += ["--workers", str(workers), "--no-access-log"]
        command += ["--log-config", "package/core/granian-logging.json", "main:app"]
        with self.log.open("ab") as out:
            # A session of its own, so stop() can end every worker even if the master goes first.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stderr=out, stdout=out, start_new_session=True
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # every worker started before the test goes on
            if self.log.read_text().count('"registry started"') >= self.started + workers:
                self.started += workers
                return
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            time.sleep(0.2)
        raise RuntimeError("the workers did not start")

    def kill(self) -> None:
        """SIGKILL to the server and its workers (a crash: no shutdown runs)."""
        assert self.process is not None
        for pid in _descendants(self.process.pid):
            os.kill(pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait(30)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM); any worker still running after it is killed, never left behind."""
        assert self.process is not None
        stop_group(self.process, timeout=60)

    def client(self) -> httpx.Client:
        return admin_client(self.url)

    def storage(self) -> Storage:
        return open_storage(Settings(data_dir=self.data_dir))

    def log_lines(self, text: str) -> int:
        return sum(text in line for line in self.log.read_text().splitlines())


def _descendants(pid: int) -> list[int]:
    listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(child) for child in listed.stdout.split()]


def _wait_mirrored(client: httpx.Client, artifact_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mirror: dict[str, Any] = client.get(f"/artifact/model/{artifact_id}/details").json()["mirror"]
        if mirror["status"] in {"complete", "failed"}:
            return mirror
        time.sleep(0.2)
    raise AssertionError("the mirror did not finish")


@pytest.fixture
def workers(hub: FakeHub, tmp_path: Path) -> Iterator[Workers]:
    hub.reset_controls()
    running = Workers(tmp_path / "data", hub, tmp_path / "workers.log")
    yield running
    hub.reset_controls()
    if running.process is not None:  # the whole session: a worker outliving its master is killed too
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait(30)


def _fresh_connections(url: str, token: str, n: int) -> list[httpx.Response]:
    """`n` enumerations, each on a new connection (so both workers answer some)."""

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, headers={"X-Authorization": token}, timeout=60) as http:
            return http.post("/artifacts", json=[{"name": "*"}])

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(n)))


def test_duplicates_are_refused_and_a_reset_empties_the_registry_for_every_worker(workers, hub):
    hub.add_model("workers/dup", files={"model.safetensors": (4096, 1)})
    workers.start()
    client = workers.client()
    token = str(client.headers["X-Authorization"])

    def register(_: int) -> int:
        with httpx.Client(base_url=workers.url, headers={"X-Authorization": token}, timeout=60) as http:
            return http.post("/artifact/model", json={"url": HF + "workers/dup"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(register, range(8)))
    assert statuses == [201] + [409] * 7
    assert all(len(r.json()) == 1 for r in _fresh_connections(workers.url, token, 8))
    assert client.delete("/reset").status_code == 200
    token = str(workers.client().headers["X-Authorization"])
    assert all(r.json() == [] for r in _fresh_connections(workers.url, token, 8))
    assert register(0) in {201}  # the source's claim went with the reset, in every worker


def test_left_over_mirror_is_resumed_by_one_worker(workers, hub, tmp_path):
    hub.add_model("workers/mirror", files=FILES)
    workers.start(workers=1)
    hub.set_latency("hf", 0.4)  # the kill lands mid-copy
    created = workers.client().post("/artifact/model", json={"url": HF + "workers/mirror"})
    artifact_id = created.json()["metadata"]["id"]
    time.sleep(0.6)
    workers.kill()
    hub.set_latency("hf", 0)
    workers.start()
    client = workers.client()
    assert _wait_mirrored(client, artifact_id)["status"] == "complete"
    # The killed process held the duty; of the two new workers one took it over and resumed the copy.
    assert workers.log_lines('"lease taken"') == 2
    assert workers.log_lines('"resumed interrupted mirrors"') == 1
    holder = leases.holder(workers.storage(), "resume-background-work")
    workers.stop()
    assert holder is not None and leases.holder(workers.storage(), "resume-background-work") is None


def test_batched_token_uses_and_download_audits_survive_a_clean_shutdown(workers, hub):
    hub.add_model("workers/audit", files={"model.safetensors": (4096, 2)})
    workers.start()
    client = workers.client()
    artifact_id = client.post("/artifact/model", json={"url": HF + "workers/audit"}).json()["metadata"]["id"]
    _wait_mirrored(client, artifact_id)
    token = str(workers.client().headers["X-Authorization"])  # a token for the downloads alone

    def download(_: int) -> int:
        with httpx.Client(base_url=workers.url, headers={"X-Authorization": token}, timeout=60) as http:
            return http.get(f"/download/model/{artifact_id}").status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(download, range(12))) == {200}
    workers.stop()
    storage = workers.storage()
    claims: dict[str, Any] = jwt.get_unverified_claims(token.removeprefix("bearer ").strip())
    uses = storage.records.get(f"TOKEN_USE#{DEFAULT_ADMIN}", claims["jti"])
    assert uses is not None and uses["uses"] == 12  # both workers' counts, merged
    log = [r.item for r in storage.records.query("AUDITLOG")]
    assert sum(entry["action"] == "DOWNLOAD" for entry in log) == 12


def _requests_counted(text: str, method: str, route: str) -> float:
    """The sum of `registry_http_requests_total` samples of one route in a scrape."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "registry_http_requests_total"
        and sample.labels["method"] == method
        and sample.labels["route"] == route
    )


def _counted_by_each_worker(folder: Path, route: str) -> list[float]:
    """Per worker process (one counter file each), its count of requests to `route`."""
    counts = []
    for path in sorted(folder.glob("server-*/counter_*.db")):
        wanted = (f'"route": "{route}"', '"registry_http_requests_total"')
        values = MmapedDict.read_all_values_from_file(str(path))
        counts.append(sum(value for key, value, *_ in values if all(w in key for w in wanted)))
    return counts


def _wait_counted(folder: Path, total: int) -> list[float]:
    """Each worker's count of `POST /artifacts`, once they add up to `total` (counted after the last byte)."""
    deadline = time.monotonic() + 20
    while sum(by_worker := _counted_by_each_worker(folder, "/artifacts")) < total:
        assert time.monotonic() < deadline, by_worker
        time.sleep(0.1)
    return by_worker


def test_a_scrape_reports_the_requests_of_every_worker(workers):
    workers.start()
    token = str(workers.client().headers["X-Authorization"])
    folder, made = workers.data_dir.parent / "metrics", 0
    for _ in range(8):  # until both workers answered some (the kernel picks the worker of each connection)
        assert all(r.status_code == 200 for r in _fresh_connections(workers.url, token, 12))
        made += 12
        by_worker = _wait_counted(folder, made)
        if len([n for n in by_worker if n]) == 2:
            break
    assert sum(by_worker) == made and len([n for n in by_worker if n]) == 2
    for _ in range(6):  # whichever worker answers the scrape, it reports the whole server
        with httpx.Client(base_url=workers.url, timeout=60) as http:
            scrape = http.get("/metrics")
        assert scrape.status_code == 200
        assert _requests_counted(scrape.text, "POST", "/artifacts") == made  # not one worker's share
    workers.stop()
    workers.start()  # a new server run starts from zero: the previous run's files are gone
    with httpx.Client(base_url=workers.url, timeout=60) as http:
        assert _requests_counted(http.get("/metrics").text, "POST", "/artifacts") == 0


def _records_naming(data_dir: Path, text: str) -> list[tuple[str, str]]:
    """Every stored record whose key or body names `text` (the embedded store's one table)."""
    path = Settings(data_dir=data_dir).sqlite_path
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT pk, sk, item FROM records").fetchall()
    return [(pk, sk) for pk, sk, item in rows if text in pk or text in sk or text in item]


def test_a_reset_by_another_process_stops_a_copy_under_way_promptly(workers, hub, tmp_path):
    # Two servers on one storage, one worker each: the copy runs in one, the reset lands in the other (as with
    # one server's two workers when the reset reaches the worker that is not copying), deterministically.
    hub.add_model("workers/slow", files={"big.bin": (8 * 1024 * 1024, 9)})
    workers.start(workers=1)
    other = Workers(workers.data_dir, hub, tmp_path / "other.log")
    try:
        other.start(workers=1)
        hub.set_chunk_delay("hf", 0.25)  # 32 chunks of 256 KiB: the copy alone takes 8 s
        created = workers.client().post("/artifact/model", json={"url": HF + "workers/slow"})
        artifact_id = created.json()["metadata"]["id"]
        deadline = time.monotonic() + 60
        while not any("big.bin" in path for _, _, path in hub.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # a few chunks in
        assert other.client().delete("/reset").status_code == 200
        reset_at = time.monotonic()
        while not workers.log_lines('"mirror stopped') and time.monotonic() < reset_at + 30:
            time.sleep(0.05)
        stopped_after = time.monotonic() - reset_at
        assert workers.log_lines('"mirror stopped') == 1
        assert stopped_after < 3.0  # not when the 8 s file has arrived
        time.sleep(1.0)
        storage = workers.storage()
        assert list(storage.blobs.listing()) == []  # nothing half-written or orphaned
        assert _records_naming(workers.data_dir, artifact_id) == []
        assert workers.client().post("/artifacts", json=[{"name": "*"}]).json() == []
    finally:
        hub.reset_controls()
        if other.process is not None:
            other.stop()


def test_a_workers_batched_download_audits_do_not_outlive_a_reset_by_another(workers, hub, tmp_path):
    hub.add_model("workers/audited", files={"model.safetensors": (4096, 3)})
    workers.start(workers=1)
    other = Workers(workers.data_dir, hub, tmp_path / "other.log")
    try:
        other.start(workers=1)
        client = workers.client()
        artifact_id = client.post("/artifact/model", json={"url": HF + "workers/audited"}).json()["metadata"][
            "id"
        ]
        _wait_mirrored(client, artifact_id)
        assert all(client.get(f"/download/model/{artifact_id}").status_code == 200 for _ in range(5))
        assert other.client().delete("/reset").status_code == 200  # the downloads' audits still wait
    finally:
        if other.process is not None:
            other.stop()
    workers.stop()  # the shutdown flushes the batch: its entries' artifact is gone, so they are dropped
    assert _records_naming(workers.data_dir, artifact_id) == []
    log = [r.item for r in workers.storage().records.query("AUDITLOG")]
    assert [entry["action"] for entry in log] == ["RESET"]
