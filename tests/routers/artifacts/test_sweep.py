"""The orphan blob sweep: blobs a killed delete left are removed; young and referenced blobs are kept."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from package.core.storage import Storage, get_storage
from package.routers.artifacts import database, sweep
from tests.aws import moto_server, use_aws_storage
from tests.conftest import clear_process_caches, login, wait_for_mirrors

__all__ = ["moto_server"]
BERT = "https://huggingface.co/google-bert/bert-base-uncased"


@pytest.fixture
def aws_client(
    client: TestClient, moto_server: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """A registry on the AWS driver (DynamoDB + S3 served by moto)."""
    from main import create_app

    use_aws_storage(monkeypatch, moto_server, request.node.name)
    clear_process_caches()
    with TestClient(create_app()) as aws:
        aws.headers["X-Authorization"] = login(aws)
        yield aws


@pytest.fixture(params=["embedded", "aws"])
def any_client(request: pytest.FixtureRequest) -> TestClient:
    """The registry on each storage driver."""
    chosen: TestClient = request.getfixturevalue("client" if request.param == "embedded" else "aws_client")
    return chosen


def mirrored(client: TestClient) -> tuple[str, list[str]]:
    """A registered, fully copied model and the blobs it references."""
    created = client.post("/artifact/model", json={"url": BERT})
    assert created.status_code == 201, created.text
    wait_for_mirrors()
    aid = created.json()["metadata"]["id"]
    record = database.get(get_storage(), aid)
    assert record is not None and record.mirror.bundle_sha256
    return aid, database.referenced_blobs(get_storage(), record)


def write_blob(storage: Storage, data: bytes) -> str:
    with storage.blobs.writer() as writer:
        writer.write(data)
    assert writer.info is not None
    return writer.info.sha256


def later() -> float:
    """A clock two grace periods ahead: every blob written so far counts as old."""
    return time.time() + 7200


def test_a_kill_between_record_and_blob_delete_leaves_blobs_the_sweep_removes(any_client):
    aid, blobs = mirrored(any_client)
    storage = get_storage()
    record = database.get(storage, aid)
    assert record is not None
    # What a process killed mid-delete leaves: the records are gone, the blob deletes never ran.
    assert sorted(database.delete(storage, record)) == blobs
    assert all(storage.blobs.exists(sha) for sha in blobs)

    result = sweep.sweep_orphan_blobs(storage, grace_seconds=3600, now=later())

    assert result.swept == len(blobs)
    assert not any(storage.blobs.exists(sha) for sha in blobs)


def test_young_and_referenced_blobs_are_kept(any_client):
    _, blobs = mirrored(any_client)
    storage = get_storage()
    young = write_blob(storage, b"an ingest in flight wrote this and has not referenced it yet")

    now = sweep.sweep_orphan_blobs(storage, grace_seconds=3600)
    assert now.swept == 0 and now.young >= 1
    assert storage.blobs.exists(young)

    aged = sweep.sweep_orphan_blobs(storage, grace_seconds=3600, now=later())
    assert aged.swept == 1  # only the unreferenced one, once it is old
    assert not storage.blobs.exists(young)
    assert aged.referenced == len(blobs)
    assert all(storage.blobs.exists(sha) for sha in blobs)


def test_an_earlier_versions_kept_bundle_is_referenced(client):
    aid, _ = mirrored(client)
    storage = get_storage()
    kept = write_blob(storage, b"version 1's bundle")
    storage.records.transact([database.keep_version_blob(aid, 1, kept)])

    assert sweep.sweep_orphan_blobs(storage, grace_seconds=0, now=later()).swept == 0
    assert storage.blobs.exists(kept)


def test_the_listing_skips_temp_files_and_foreign_files(client, registry_env):
    storage = get_storage()
    sha = write_blob(storage, b"x")
    blob_dir = next(p for p in registry_env.rglob(sha))
    (blob_dir.parent / "notes.txt").write_text("not a blob")
    with storage.blobs.writer() as writer:
        writer.write(b"in progress")
        listed = {b.sha256 for b in storage.blobs.listing()}
    assert sha in listed
    assert len(listed) == 1


def test_worker_runs_the_sweep(client, monkeypatch):
    import worker

    aid, blobs = mirrored(client)
    storage = get_storage()
    record = database.get(storage, aid)
    assert record is not None
    database.delete(storage, record)
    monkeypatch.setenv("REGISTRY_ORPHAN_GRACE_SECONDS", "0")
    from package.routers.artifacts.config import get_artifacts_settings

    get_artifacts_settings.cache_clear()
    summary = worker.run(10.0)
    assert summary["swept"] == len(blobs)
    assert not any(storage.blobs.exists(sha) for sha in blobs)


def test_start_up_sweeps_in_the_background_once_per_process(client, monkeypatch):
    import threading

    from package.routers.artifacts.config import get_artifacts_settings

    storage = get_storage()
    orphan = write_blob(storage, b"left by a killed delete")
    monkeypatch.setenv("REGISTRY_ORPHAN_GRACE_SECONDS", "0")
    get_artifacts_settings.cache_clear()
    monkeypatch.setattr(sweep, "_started_once", threading.Event())  # as in a fresh process
    thread = sweep.sweep_in_background(storage)
    assert thread is not None
    thread.join(30)
    assert not storage.blobs.exists(orphan)
    assert sweep.sweep_in_background(storage) is None  # Lambda runs start-up per invocation: not again
