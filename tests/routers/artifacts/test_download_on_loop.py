"""download_route.decide_download: a stored bundle on local storage is decided on the event loop; anything
that may wait (a network store, an upstream stream, a file's list, writes made at once, a guard that reads)
still goes to the thread pool, and each download is admitted once (one token use, one audit entry) and
answered alike whichever way it goes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.concurrency import run_in_threadpool

from package.core.auth_middleware import principal_from_headers
from package.core.storage import get_storage
from package.routers.artifacts import download_route
from tests.conftest import clear_process_caches, wait_for_mirrors

BERT = "https://huggingface.co/google-bert/bert-base-uncased"


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions the download route sent to the thread pool."""
    sent: list[str] = []
    original = run_in_threadpool

    async def spy(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        sent.append(func.__name__)
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(download_route, "run_in_threadpool", spy)
    return sent


@pytest.fixture
def admissions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per caller the download route admitted (each counts a use of the token)."""
    seen: list[str] = []
    original = principal_from_headers

    def spy(*args: Any, **kwargs: Any) -> Any:
        principal = original(*args, **kwargs)
        seen.append(principal.name)
        return principal

    monkeypatch.setattr(download_route, "principal_from_headers", spy)
    return seen


@pytest.fixture
def stored(register: Callable[..., str]) -> Callable[[], str]:
    """Register BERT and wait for its copy: the id of a stored bundle."""

    def run() -> str:
        artifact_id = register(BERT)
        wait_for_mirrors()
        return artifact_id

    return run


def _downloads(client: TestClient, artifact_id: str) -> int:
    trail = client.get(f"/artifact/model/{artifact_id}/audit").json()
    return sum(entry["action"] == "DOWNLOAD" for entry in trail)


def test_a_stored_bundle_is_decided_on_the_loop(
    client: TestClient, stored: Callable[[], str], hops: list[str], admissions: list[str]
) -> None:
    artifact_id = stored()
    assert get_storage().local
    response = client.get(f"/download/model/{artifact_id}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert hops == [] and admissions == ["ece30861defaultadminuser"]
    assert _downloads(client, artifact_id) == 1


def test_refusals_on_the_loop_are_the_thread_s_errors(
    client: TestClient, stored: Callable[[], str], hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    artifact_id = stored()
    asks = [
        (f"/download/model/{artifact_id}", {"X-Authorization": "bearer forged"}),
        ("/download/model/9999999999", {}),
        (f"/download/dataset/{artifact_id}", {}),  # the wrong type
        (f"/download/model/{artifact_id}", {"Range": "bytes=999999999-"}),
    ]
    on_loop = [client.get(path, headers=headers) for path, headers in asks]
    assert [r.status_code for r in on_loop] == [403, 404, 404, 416] and hops == []
    remote = dataclasses.replace(get_storage(), local=False)
    monkeypatch.setattr(download_route, "get_storage", lambda: remote)
    in_thread = [client.get(path, headers=headers) for path, headers in asks]
    assert hops == ["decide"] * len(asks)
    assert [(r.status_code, r.json()) for r in on_loop] == [(r.status_code, r.json()) for r in in_thread]


def test_an_unstored_bundle_streams_in_a_thread_admitted_once(
    client: TestClient,
    stored: Callable[[], str],
    hops: list[str],
    admissions: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGISTRY_MIRROR", "off")
    clear_process_caches()
    artifact_id = stored()
    response = client.get(f"/download/model/{artifact_id}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert hops == ["_stream"] and len(admissions) == 1
    assert _downloads(client, artifact_id) == 1  # not one on the loop and one in the thread


def test_a_file_and_a_network_store_go_to_the_thread_pool(
    client: TestClient, stored: Callable[[], str], hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    artifact_id = stored()
    assert client.get(f"/download/model/{artifact_id}/config.json").status_code == 200
    assert hops == ["decide"]
    remote = dataclasses.replace(get_storage(), local=False)  # what the AWS driver says of itself
    monkeypatch.setattr(download_route, "get_storage", lambda: remote)
    assert client.get(f"/download/model/{artifact_id}").status_code == 200
    assert hops == ["decide", "decide"]
    assert _downloads(client, artifact_id) == 2


@pytest.mark.parametrize(
    "setting",
    [{"REGISTRY_WRITE_BEHIND_MS": "0"}, {"REGISTRY_SAFETY_POLICY": "block"}],
    ids=["use-and-audit-written-at-once", "safety-guard-reads-scans"],
)
def test_writes_at_once_and_reading_guards_go_to_the_thread_pool(
    client: TestClient,
    stored: Callable[[], str],
    hops: list[str],
    monkeypatch: pytest.MonkeyPatch,
    setting: dict[str, str],
) -> None:
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    clear_process_caches()
    artifact_id = stored()
    assert client.get(f"/download/model/{artifact_id}").status_code == 200
    assert hops == ["decide"]
    assert _downloads(client, artifact_id) == 1
