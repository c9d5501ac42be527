"""GitHub redirects: a renamed repository is followed on the API host; a redirect elsewhere never is."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from package.core.errors import UpstreamError
from package.core.upstream.github import GitHubAdapter
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import parse_source_url


def snapshot(adapter: GitHubAdapter, url: str) -> Snapshot:
    return adapter.snapshot(parse_source_url(url))


def test_a_renamed_repository_is_read_under_its_current_name(registry_env, hub):
    adapter = GitHubAdapter(api_url=hub.github_url, token="ghp_test", timeout=10)
    hub.clear_requests()
    snap = snapshot(adapter, "https://github.com/huggingface/pytorch-transformers")
    assert snap.details["canonical_id"] == "huggingface/transformers"
    assert snap.files
    paths = [path for service, _, path in hub.requests if service == "github"]
    assert "/repos/huggingface/pytorch-transformers" in paths  # answered 301 ...
    assert any(path.startswith("/repositories/") for path in paths)  # ... and followed on the same host


class Recorder(BaseHTTPRequestHandler):
    """Answers a GET with JSON, or a 301 to `redirect_to`; remembers the Authorization header it was sent."""

    seen_authorization: ClassVar[list[str | None]] = []
    redirect_to: ClassVar[str] = ""

    def do_GET(self) -> None:
        type(self).seen_authorization.append(self.headers.get("Authorization"))
        if self.redirect_to:
            self.send_response(301)
            self.send_header("Location", self.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"full_name": "evil/repo", "default_branch": "main"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def api_redirecting_elsewhere() -> Iterator[tuple[str, type[Recorder]]]:
    """An "API" whose every answer is a 301 to another host (another loopback port) that records calls."""

    class Elsewhere(Recorder):
        seen_authorization: ClassVar[list[str | None]] = []

    class Api(Recorder):
        seen_authorization: ClassVar[list[str | None]] = []

    other, other_url = serve(Elsewhere)
    Api.redirect_to = other_url
    api, api_url = serve(Api)
    yield api_url, Elsewhere
    api.shutdown()
    other.shutdown()


def test_a_redirect_to_another_host_is_not_followed(api_redirecting_elsewhere):
    api_url, elsewhere = api_redirecting_elsewhere
    adapter = GitHubAdapter(api_url=api_url, token="ghp_secret", timeout=5)
    with pytest.raises(UpstreamError, match="another host"):
        snapshot(adapter, "https://github.com/acme/quick-infer")
    assert elsewhere.seen_authorization == []  # not even a token-less request went there
