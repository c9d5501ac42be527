"""`make run` as it starts (serve.py): nginx in front of two granian workers, stored blobs sent by nginx only
after the registry authorized the request (X-Accel-Redirect), bookkeeping exact, Ctrl-C stops both cleanly."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt

from package.core.config import Settings
from package.core.storage import Storage, open_storage
from tests.conftest import CHEAP_PASSWORD_HASHING, DEFAULT_ADMIN
from tests.deploy.split import free_port, nginx_binary
from tests.fakehub import FakeHub
from tests.live_registry import admin_client

ROOT = Path(__file__).resolve().parents[2]
HF = "https://huggingface.co/"


class Served:
    """`python -m serve` on a free port, over one embedded storage, its output in a log file."""

    def __init__(self, data_dir: Path, hub: FakeHub, log: Path) -> None:
        nginx_binary()  # fails under CI, skips elsewhere, when nginx is missing
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        self.env |= CHEAP_PASSWORD_HASHING | {
            "REGISTRY_DATA_DIR": str(data_dir),
            "HF_ENDPOINT": hub.hf_url,
            "GITHUB_API_URL": hub.github_url,
            "REGISTRY_RATE_ON_INGEST": "false",
            "REGISTRY_LOG_LEVEL": "INFO",
            "REGISTRY_WRITE_BEHIND_MS": "60000",  # nothing is written before the shutdown flush
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "serve", "--port", str(self.port), "--workers", "2"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # both workers up, nginx answering
            text = self.log.read_text()
            if text.count('"registry started"') >= 2 and '"serving"' in text:
                return
            assert self.process.poll() is None, text[-3000:]
            time.sleep(0.2)
        raise RuntimeError("serve did not start: " + self.log.read_text()[-3000:])

    def lines(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (every line must be one)."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def storage(self) -> Storage:
        return open_storage(Settings(data_dir=self.data_dir))


def _descendants(pid: int) -> list[int]:
    listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    found = [int(child) for child in listed.stdout.split()]
    return found + [grandchild for child in found for grandchild in _descendants(child)]


def _mirrored(client: httpx.Client, artifact_id: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get(f"/artifact/model/{artifact_id}/details").json()["mirror"]["status"] == "complete":
            return
        time.sleep(0.2)
    raise AssertionError("the mirror did not finish")


@pytest.fixture
def served(hub: FakeHub, tmp_path: Path) -> Iterator[Served]:
    running = Served(tmp_path / "data", hub, tmp_path / "serve.log")
    yield running
    if running.process is not None and running.process.poll() is None:
        for pid in _descendants(running.process.pid):
            os.kill(pid, signal.SIGKILL)
        running.process.kill()
        running.process.wait(30)


def _check_contract(http: httpx.Client, artifact_id: str, blob: bytes, etag: str) -> list[httpx.Response]:
    """Range, If-Range, a refused range and the headers, as the registry answers them without nginx."""
    path = f"/download/model/{artifact_id}"
    ranged = http.get(path, headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.content == blob[10:20]
    assert ranged.headers["content-range"] == f"bytes 10-19/{len(blob)}"
    same = http.get(path, headers={"Range": "bytes=-5", "If-Range": etag})
    assert same.status_code == 206 and same.content == blob[-5:]
    stale = http.get(path, headers={"Range": "bytes=0-3", "If-Range": '"another"'})
    assert stale.status_code == 200 and stale.content == blob  # a changed file: the whole of it
    refused = http.get(path, headers={"Range": f"bytes={len(blob)}-"})
    assert refused.status_code == 416 and refused.json()["error"] == "range_not_satisfiable"
    unchanged = http.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    parts = http.get(path, headers={"Range": "bytes=0-1,-3"})  # multipart/byteranges, sent by nginx
    assert parts.status_code == 206 and parts.headers["content-type"].startswith("multipart/byteranges")
    # A Range the registry ignores as malformed but nginx refuses: nginx's 416, JSON as the registry's.
    odd = http.get(path, headers={"Range": "bytes=x-1"})
    assert odd.status_code == 416 and odd.json()["error"] == "range_not_satisfiable"
    return [ranged, same, stale, refused, unchanged, parts, odd, *_check_conditions(http, path, blob, etag)]


def _check_conditions(http: httpx.Client, path: str, blob: bytes, etag: str) -> list[httpx.Response]:
    """If-Match and the date conditions: the registry's answers (nginx would compare its own ETag)."""
    matched = http.get(path, headers={"If-Match": f'"other", {etag}', "Range": "bytes=0-3"})
    assert matched.status_code == 206 and matched.content == blob[:4]
    failed = http.get(path, headers={"If-Match": '"other"'})
    assert failed.status_code == 412 and failed.json()["error"] == "precondition_failed"
    changed = http.get(path, headers={"If-Unmodified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert changed.status_code == 412 and changed.json()["error"] == "precondition_failed"
    cached = http.get(path, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert cached.status_code == 304
    stale = http.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert stale.status_code == 200 and stale.content == blob
    # Dates the registry ignores as malformed (RFC 9110), which nginx would read its own way (412, 304).
    odd = http.get(path, headers={"If-Unmodified-Since": "yesterday"})
    assert odd.status_code == 200 and odd.content == blob
    zoneless = stale.headers["last-modified"].removesuffix(" GMT")  # the file's own date, without its zone
    unzoned = http.get(path, headers={"If-Modified-Since": zoneless})
    assert unzoned.status_code == 200 and unzoned.content == blob
    return [matched, failed, changed, cached, stale, odd, unzoned]


def test_nginx_sends_what_the_registry_authorized_and_bookkeeping_stays_exact(served, hub):
    hub.add_model("serve/bundle", files={"model.safetensors": (300_000, 7)})
    served.start()
    client = admin_client(served.url)
    artifact_id = client.post("/artifact/model", json={"url": HF + "serve/bundle"}).json()["metadata"]["id"]
    _mirrored(client, artifact_id)
    token = str(admin_client(served.url).headers["X-Authorization"])  # a token for the downloads alone
    with httpx.Client(base_url=served.url, headers={"X-Authorization": token}, timeout=60) as http:
        whole = http.get(f"/download/model/{artifact_id}")
        assert whole.status_code == 200
        assert hashlib.sha256(whole.content).hexdigest() == whole.headers["etag"].strip('"')
        assert "x-accel-redirect" not in whole.headers and whole.headers.get_list("accept-ranges") == [
            "bytes"
        ]
        assert whole.headers["content-disposition"].startswith("attachment;")
        answers = [whole, *_check_contract(http, artifact_id, whole.content, whole.headers["etag"])]
        one = http.get(f"/download/model/{artifact_id}/model.safetensors")
        assert one.status_code == 200 and len(one.content) == 300_000
        answers.append(one)
    # Without the registry's answer nginx sends nothing: no token, a forged internal path, a traversal.
    assert httpx.get(f"{served.url}/download/model/{artifact_id}").status_code == 403
    relative = whole.headers["etag"].strip('"')
    for path in (f"/_blobs/{relative[:2]}/{relative}", "/_blobs/", "/_blobs/../data/registry.sqlite3"):
        answer = httpx.get(served.url + path, headers={"X-Authorization": token})
        assert answer.status_code == 404 and answer.json()["error"] == "not_found", path
    process = served.process
    assert process is not None
    children = _descendants(process.pid)
    assert len(children) >= 4  # nginx master and workers, granian and its two workers
    _check_app_reachable_only_by_nginx(children)
    process.send_signal(signal.SIGINT)  # Ctrl-C
    assert process.wait(90) == 0
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    _check_bookkeeping(served, token, answers)


def _check_app_reachable_only_by_nginx(pids: list[int]) -> None:
    """granian listens on a Unix socket in an owner-only folder, on no TCP port."""
    commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in pids}
    granian = [pid for pid, argv in commands.items() if b"granian" in b" ".join(argv)]
    argv = commands[granian[0]]
    socket_path = Path(argv[argv.index(b"--uds") + 1].decode())
    assert socket_path.is_socket() and socket_path.parent.stat().st_mode & 0o777 == 0o700
    inodes = {
        os.readlink(f"/proc/{pid}/fd/{fd}")
        for pid in granian
        for fd in os.listdir(f"/proc/{pid}/fd")
        if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    }
    listening = {
        f"socket:[{fields[9]}]"
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        for fields in (line.split() for line in Path(table).read_text().splitlines()[1:])
        if fields[3] == "0A"  # LISTEN
    }
    assert granian and not inodes & listening


def _check_bookkeeping(served: Served, token: str, answers: list[httpx.Response]) -> None:
    """Every authorized download counted once (token use, audit entry); its log line says what the client
    got from nginx (status and body bytes)."""
    storage = served.storage()
    claims: dict[str, Any] = jwt.get_unverified_claims(token.removeprefix("bearer ").strip())
    uses = storage.records.get(f"TOKEN_USE#{DEFAULT_ADMIN}", claims["jti"])
    # The downloads (304 and 416 included); /_blobs never reached the app.
    assert uses is not None and uses["uses"] == len(answers) == 16
    audit = [r.item for r in storage.records.query("AUDITLOG") if r.item["action"] == "DOWNLOAD"]
    assert len(audit) == 16  # each authorized download is audited once it is decided (as without nginx)
    lines = served.lines()
    downloads = [
        line
        for line in lines
        if line.get("logger") == "registry.request" and line.get("route", "").startswith("/download/")
    ]
    logged = {line["request_id"]: (line["status"], line["response_bytes"]) for line in downloads}
    received = {
        answer.headers["x-request-id"]: (answer.status_code, len(answer.content)) for answer in answers
    }
    # nginx's status and bytes, recorded by the registry that let them go (the 403 without a token aside).
    assert {request_id: logged.get(request_id) for request_id in received} == received
    assert {status for status, _ in received.values()} == {200, 206, 304, 412, 416}
    # The client as nginx saw it, believed from the app's Unix socket (REGISTRY_TRUSTED_PROXIES=unix).
    assert {line["client"] for line in downloads} == {"127.0.0.1"}
    assert all(line.get("time") for line in lines)  # nginx's own lines too are the registry's JSON
