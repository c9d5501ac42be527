"""The download benchmark's clients: the token stays on the registry, sizes and caps, the child's protocol."""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
import time

import httpx

from package.routers.health.download_client import Tally, child_main, run_clients

REGISTRY = "http://registry.test/download/model/abc"
TOKEN = "tmr_minted.secret"


def _ok(size: int, status: int = 200) -> httpx.Response:
    """A streamed answer of `size` bytes (MockTransport answers built from `content` are read already)."""
    return httpx.Response(status, stream=httpx.ByteStream(b"x" * size))


def _run(handler, *, clients: int = 1, count: int = 1, tally: Tally | None = None) -> Tally:
    used = tally or Tally(byte_cap=10**9)
    asyncio.run(
        run_clients(
            REGISTRY,
            TOKEN,
            clients=clients,
            downloads_per_client=count,
            tally=used,
            deadline=time.monotonic() + 30,
            on_progress=lambda: True,
            transport=httpx.MockTransport(handler),
        )
    )
    return used


def test_a_redirect_is_followed_once_without_the_token():
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers.get("x-authorization")))
        if request.url.host == "registry.test":
            return httpx.Response(302, headers={"location": "http://objects.test/blob?signed=1"})
        return _ok(100)

    tally = _run(handler)
    assert seen == [("registry.test", TOKEN), ("objects.test", None)]
    assert [(s.bytes, s.ok) for s in tally.samples] == [(100, True)]


def test_a_download_of_the_wrong_size_or_status_is_an_error():
    tally = _run(lambda _: _ok(10), tally=Tally(byte_cap=10**9, expected_bytes=20))
    assert [s.ok for s in tally.samples] == [False] and "received 10 bytes of 20" in (tally.first_error or "")
    refused = _run(lambda _: _ok(2, 403))
    assert [s.ok for s in refused.samples] == [False] and refused.first_error == "HTTP 403"


def test_the_byte_cap_stops_every_client():
    tally = _run(lambda _: _ok(1000), clients=2, count=50, tally=Tally(byte_cap=5000))
    assert len(tally.samples) < 100 and "MAX_BYTES" in (tally.stop_reason or "")


def test_the_child_protocol_against_a_real_server(hub):
    url = f"{hub.hf_url}/crangana/trained-gender/resolve/main/preprocessor_config.json"
    size = len(httpx.get(url, follow_redirects=True).content)
    order = {
        "url": url,
        "token": TOKEN,
        "clients": 2,
        "downloads_per_client": 3,
        "expected_bytes": size,
        "byte_cap": 10**9,
        "timeout_seconds": 30,
    }
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as parent:
        parent.write(json.dumps(order) + "\n")
        parent.flush()
        out = io.StringIO()
        child = threading.Thread(target=child_main, args=(os.fdopen(read_end), out))
        child.start()
        child.join(timeout=30)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    result = lines[-1]
    assert len(result["samples"]) == 6 and all(ok and b == size for _, b, ok in result["samples"])
    assert result["stop_reason"] is None and result["wall"] > 0
    assert all(set(line) == {"done", "received"} for line in lines[:-1])


def test_the_child_stops_when_told():
    read_end, write_end = os.pipe()
    order = {
        "url": "http://127.0.0.1:9/never",  # discard port: nothing answers, every download fails fast
        "token": TOKEN,
        "clients": 1,
        "downloads_per_client": 1000,
        "expected_bytes": 0,
        "byte_cap": 10**9,
        "timeout_seconds": 60,
    }
    out = io.StringIO()
    with os.fdopen(write_end, "w") as parent:
        parent.write(json.dumps(order) + "\n")
        parent.flush()
        child = threading.Thread(target=child_main, args=(os.fdopen(read_end), out))
        child.start()
        time.sleep(0.3)
        parent.write("stop\n")
        parent.flush()
        child.join(timeout=30)
    assert not child.is_alive()
    result = json.loads(out.getvalue().splitlines()[-1])
    assert "stopped" in result["stop_reason"] and len(result["samples"]) < 1000
