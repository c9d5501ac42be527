"""Downloads in isolation (httpx's MockTransport plays the registry): resume, verification, refusals."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from package.client import transfer
from package.client.api import RegistryClient, normalise_token
from package.client.errors import AuthError, NotFoundError, RequestError, ServerError

BODY = bytes(range(256)) * 40
SHA = hashlib.sha256(BODY).hexdigest()


def _server(etag: str | None = f'"{SHA}"', seen: list[httpx.Request] | None = None) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        headers = {"ETag": etag} if etag else {}
        wanted = request.headers.get("range")
        if wanted and request.headers.get("if-range", etag) == etag:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            headers["Content-Range"] = f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"
            return httpx.Response(206, content=BODY[start:], headers=headers)
        return httpx.Response(200, content=BODY, headers=headers)

    return httpx.Client(transport=httpx.MockTransport(handle), base_url="http://registry.test")


def test_a_partial_file_from_an_earlier_run_is_resumed(tmp_path):
    target = tmp_path / "f.bin"
    target.with_name("f.bin.part").write_bytes(BODY[:1000])
    target.with_name("f.bin.part.etag").write_text(f'"{SHA}"')
    seen: list[httpx.Request] = []
    done = transfer.download(_server(seen=seen), "/x", target, headers={})
    assert done.resumed and done.verified and target.read_bytes() == BODY
    assert seen[0].headers["range"] == "bytes=1000-" and seen[0].headers["if-range"] == f'"{SHA}"'
    assert not target.with_name("f.bin.part.etag").exists()


def test_a_changed_file_is_fetched_whole(tmp_path):
    target = tmp_path / "f.bin"
    target.with_name("f.bin.part").write_bytes(b"stale bytes")
    target.with_name("f.bin.part.etag").write_text('"other"')
    done = transfer.download(_server(), "/x", target, headers={})
    assert not done.resumed and target.read_bytes() == BODY


def test_a_mismatching_hash_removes_the_file(tmp_path):
    target = tmp_path / "f.bin"
    with pytest.raises(ServerError, match="sha256"):
        transfer.download(_server(etag='"' + "0" * 64 + '"'), "/x", target, headers={})
    assert not target.exists() and not target.with_name("f.bin.part").exists()


def test_without_an_etag_the_hash_is_reported_unverified(tmp_path):
    done = transfer.download(_server(etag=None), "/x", tmp_path / "f.bin", headers={})
    assert done.sha256 == SHA and not done.verified


def test_a_redirect_is_not_followed_with_the_token(tmp_path):
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"Location": "https://elsewhere.example/file"})

    http = httpx.Client(transport=httpx.MockTransport(handle), base_url="http://registry.test")
    with pytest.raises(RequestError, match=r"elsewhere\.example"):
        transfer.download(http, "/x", tmp_path / "f.bin", headers={"Authorization": "Bearer t"})
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFoundError), (403, AuthError), (401, AuthError), (409, RequestError),
                          (500, ServerError), (429, ServerError)],
)  # fmt: skip
def test_status_codes_become_errors(status, error):
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json={"message": "why"}))
    with (
        RegistryClient("http://registry.test", "t", transport=transport) as registry,
        pytest.raises(error) as caught,
    ):
        registry.whoami()
    assert caught.value.message == "why" and caught.value.status == status


@pytest.mark.parametrize(
    ("given", "bare"),
    [
        ('"bearer abc"', "abc"),
        ("Bearer abc", "abc"),
        ("abc", "abc"),
        ("tmr_x.y", "tmr_x.y"),
        ("", None),
        (None, None),
    ],
)
def test_tokens_are_sent_bare(given, bare):
    assert normalise_token(given) == bare
