"""The download fast path (download_asgi.py) answers exactly as the full FastAPI app, request for request.

Two apps on one storage: the test client's (with the fast path) and one built the same way without it. Each
request goes to both; status, headers (but the request id), body, the request log line and the audit trail
must agree, and the fast app's router must not have seen the requests the fast path takes.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from package.routers.artifacts.download_asgi import DownloadFastPath
from tests.conftest import login, wait_for_mirrors

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
LOG_FIELDS = ("method", "route", "path", "status", "domain", "user", "artifact_id", "artifact_type", "client")


@pytest.fixture
def accel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads answered with X-Accel-Redirect, as behind make run's nginx."""
    from tests.conftest import clear_process_caches

    monkeypatch.setenv("REGISTRY_ACCEL_REDIRECT_PREFIX", "/_blobs")
    clear_process_caches()


@pytest.fixture
def full_app(client: TestClient) -> FastAPI:
    """An app like the client's on the same storage, without the fast path."""
    from main import create_app

    app = create_app()
    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not DownloadFastPath]  # type: ignore[comparison-overlap]
    return app


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths every app's router has been asked to serve."""
    seen: list[str] = []
    original = Router.__call__

    async def spy(self: Router, scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope.get("path", ""))
        await original(self, scope, receive, send)

    monkeypatch.setattr(Router, "__call__", spy)
    return seen


def _answer(client: TestClient, path: str, headers: dict[str, str], caplog: Any) -> dict[str, Any]:
    caplog.clear()
    response = client.get(path, headers=headers, follow_redirects=False)
    lines = [r for r in caplog.records if r.name == "registry.request"]
    assert len(lines) == 1
    return {
        "status": response.status_code,
        "headers": sorted((k, v) for k, v in response.headers.items() if k != "x-request-id"),
        "body": response.content,
        "log": {name: getattr(lines[0], name) for name in (*LOG_FIELDS, "response_bytes")},
    }


def _both(client: TestClient, full: TestClient, path: str, caplog: Any, **headers: str) -> dict[str, Any]:
    fast = _answer(client, path, headers, caplog)
    assert fast == _answer(full, path, headers, caplog)
    return fast


def _prepare(client: TestClient) -> str:
    response = client.post("/artifact/model", json={"url": BERT})
    assert response.status_code == 201, response.text
    artifact_id: str = response.json()["metadata"]["id"]
    wait_for_mirrors()
    return artifact_id


@pytest.mark.parametrize("accelerated", [True, False], ids=["x-accel", "file"])
def test_answers_match_the_full_app(
    request: pytest.FixtureRequest,
    client: TestClient,
    full_app: FastAPI,
    routed: list[str],
    caplog: Any,
    accelerated: bool,
) -> None:
    if accelerated:
        request.getfixturevalue("accel")
    caplog.set_level(logging.INFO, logger="registry.request")
    full = TestClient(full_app)
    token = client.headers["X-Authorization"]
    full.headers["X-Authorization"] = token
    aid = _prepare(client)
    bundle = f"/download/model/{aid}"
    routed.clear()
    ok = _both(client, full, bundle, caplog)
    assert ok["status"] == 200 and ok["log"]["user"] == "ece30861defaultadminuser"
    assert _both(client, full, f"{bundle}/config.json", caplog)["status"] == 200
    assert _both(client, full, bundle, caplog, Range="bytes=0-9")["status"] == (200 if accelerated else 206)
    assert _both(client, full, bundle, caplog, Range="bytes=999999999-")["status"] == 416
    etag = dict(ok["headers"])["etag"]
    assert _both(client, full, bundle, caplog, **{"If-None-Match": etag})["status"] == 304
    assert _both(client, full, bundle, caplog, **{"If-Match": '"other"'})["status"] == 412
    # An If-Match that passes: the file from the registry itself, never an X-Accel-Redirect (nginx re-judges).
    listed = _both(client, full, bundle, caplog, **{"If-Match": etag})
    assert listed["status"] == 200 and "x-accel-redirect" not in dict(listed["headers"])
    assert _both(client, full, "/download/model/9999999999", caplog)["status"] == 404
    assert _both(client, full, f"{bundle}/no/such/file", caplog)["status"] == 404
    fast_paths = [path for path in routed if path.startswith("/download/")]
    assert len(fast_paths) == 9  # the full app's nine; the fast path took the client's
    assert _both(client, full, bundle, caplog, **{"X-Authorization": "bearer not-a-token"})["status"] == 403
    assert _both(client, full, "/download/weights/1", caplog)["status"] == 400  # FastAPI's own validation


def test_permission_and_audit_match(
    client: TestClient, full_app: FastAPI, user_client: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="registry.request")
    aid = _prepare(client)
    searcher = user_client("bob", permissions=("search",))
    full = TestClient(full_app)
    full.headers["X-Authorization"] = searcher.headers["X-Authorization"]
    denied = _both(searcher, full, f"/download/model/{aid}", caplog)
    assert denied["status"] == 403 and denied["log"]["user"] == "bob"
    full.headers["X-Authorization"] = login(full)
    before = client.get(f"/artifact/model/{aid}/audit").json()
    _both(client, full, f"/download/model/{aid}", caplog)
    after = client.get(f"/artifact/model/{aid}/audit").json()
    downloads = [entry for entry in after[len(before) :] if entry["action"] == "DOWNLOAD"]
    assert len(after) == len(before) + 2 and len(downloads) == 2
