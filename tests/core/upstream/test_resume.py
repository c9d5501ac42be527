"""A Hub file whose transfer is cut part-way is resumed with a Range request from the byte reached."""

from __future__ import annotations

import hashlib

import pytest

from package.core.errors import UpstreamError
from package.core.upstream.clients import get_upstreams
from package.core.upstream.http import TransferCut, stream_resumable
from package.core.upstream.retry import get_retry_settings
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import parse_source_url
from tests.conftest import wait_for_mirrors

TINY = "https://huggingface.co/acme/tiny-weights-20mb"
WEIGHTS = "model.safetensors"
SIZE = 20 * 1024 * 1024


@pytest.fixture(autouse=True)
def _fresh_retry_settings():
    get_retry_settings.cache_clear()
    yield
    get_retry_settings.cache_clear()


def tiny_snapshot() -> Snapshot:
    ref = parse_source_url(TINY)
    return get_upstreams().adapter(ref.kind).snapshot(ref)


def read_weights(snapshot: Snapshot) -> bytes:
    with get_upstreams().adapter(snapshot.source.kind).open_file(snapshot, WEIGHTS) as chunks:
        return b"".join(chunks)


def test_a_cut_transfer_resumes_from_the_byte_reached(registry_env, hub):
    snapshot = tiny_snapshot()
    stated = next(f for f in snapshot.files if f.path == WEIGHTS)
    hub.clear_requests()
    hub.cut_next("hf", f"/{WEIGHTS}", 5_000_000, 3_000_000)  # two cuts: at byte 5,000,000, then 8,000,000

    data = read_weights(snapshot)

    assert len(data) == SIZE
    assert hashlib.sha256(data).hexdigest() == stated.sha256
    asked = [value for path, value in hub.ranges if path.endswith(WEIGHTS)]
    starts = [int(value.removeprefix("bytes=").removesuffix("-")) for value in asked]
    # Resumed, not restarted: from the last whole chunk handed on before each cut.
    assert len(starts) == 2
    assert 0 < starts[0] <= 5_000_000 < starts[1] <= starts[0] + 3_000_000


def test_cut_more_often_than_the_attempts_allow_is_an_upstream_error(registry_env, hub, monkeypatch):
    monkeypatch.setenv("REGISTRY_UPSTREAM_RETRY_ATTEMPTS", "2")
    snapshot = tiny_snapshot()
    hub.cut_next("hf", "/resolve/", 1_000_000, 1_000_000, 1_000_000)
    with pytest.raises(TransferCut, match="stopped sending"):
        read_weights(snapshot)


def test_the_whole_is_checked_against_the_stated_size_and_sha256(registry_env, hub):
    snapshot = tiny_snapshot()
    url = f"{hub.hf_url}/acme/tiny-weights-20mb/resolve/{snapshot.revision}/{WEIGHTS}"
    import httpx

    with httpx.Client() as client:
        wrong_size = stream_resumable(client, url, upstream="Hub", sending="w", check=lambda r: None, size=7)
        with pytest.raises(UpstreamError, match="sent 20971520 bytes of w; it states 7"):
            b"".join(wrong_size)
        hub.cut_next("hf", "/resolve/", 4_000_000)
        wrong_hash = stream_resumable(
            client, url, upstream="Hub", sending="w", check=lambda r: None, sha256="0" * 64
        )
        with pytest.raises(UpstreamError, match="with sha256"):
            b"".join(wrong_hash)


def test_a_mirror_copy_cut_mid_file_completes(client, hub):
    hub.clear_requests()
    hub.cut_next("hf", f"/{WEIGHTS}", 6_000_000)
    created = client.post("/artifact/model", json={"url": TINY})
    assert created.status_code == 201, created.text
    wait_for_mirrors()
    aid = created.json()["metadata"]["id"]
    mirror = client.get(f"/artifact/model/{aid}/details").json()["mirror"]
    assert mirror["status"] == "complete", mirror
    assert any(value.startswith("bytes=") for path, value in hub.ranges if path.endswith(WEIGHTS))
