"""Nothing half-written: concurrent duplicates, failures mid-ingest and mid-mirror leave no trace."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from package.core.storage import get_storage
from tests.conftest import wait_for_mirrors

BERT = "https://huggingface.co/google-bert/bert-base-uncased"


ARTIFACT_PARTITIONS = ("ARTIFACT", "SOURCE", "SNAPSHOT#", "README", "FILES#", "BLOBREF#", "AUDIT#")


def _stored_items(data_dir):
    """The artifacts domain's items (other domains, e.g. accounts, keep their own)."""
    import sqlite3

    with sqlite3.connect(data_dir / "registry.sqlite3") as conn:
        rows = conn.execute("SELECT pk, sk FROM records").fetchall()
    return [(pk, sk) for pk, sk in rows if pk.startswith(ARTIFACT_PARTITIONS)]


def _blob_files(data_dir):
    return [p for p in (data_dir / "blobs").rglob("*") if p.is_file()]


def test_twenty_identical_concurrent_registrations_one_wins(client):
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(
            pool.map(lambda _: client.post("/artifact/model", json={"url": BERT}).status_code, range(20))
        )
    assert codes.count(201) == 1
    assert codes.count(409) == 19
    assert len(client.post("/artifacts", json=[{"name": "*"}]).json()) == 1


def test_ids_are_unique_under_a_burst(client):
    sources = [
        ("model", BERT),
        ("model", "https://huggingface.co/openai/whisper-tiny"),
        ("code", "https://github.com/openai/whisper"),
        ("code", "https://github.com/google-research/bert"),
        ("dataset", "https://huggingface.co/datasets/rajpurkar/squad"),
        ("model", "https://huggingface.co/microsoft/resnet-50"),
    ]

    def register(source: tuple[str, str]) -> str:
        kind, url = source
        response = client.post(f"/artifact/{kind}", json={"url": url})
        assert response.status_code == 201, response.text
        return str(response.json()["metadata"]["id"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(register, sources))
    assert len(set(ids)) == len(ids)


def test_storage_failure_mid_transaction_leaves_nothing(client, registry_env, monkeypatch):
    from package.core.storage import sqlite as sqlite_driver

    calls = {"n": 0}
    real_encode = sqlite_driver._encode

    def failing_encode(item):
        calls["n"] += 1
        if calls["n"] == 3:  # the third item of the registration's transaction
            raise OSError("disk full")
        return real_encode(item)

    monkeypatch.setattr(sqlite_driver, "_encode", failing_encode)
    response = client.post("/artifact/model", json={"url": BERT})
    monkeypatch.setattr(sqlite_driver, "_encode", real_encode)
    assert response.status_code == 503
    assert response.json()["error"] == "storage_unavailable"
    assert _stored_items(registry_env) == []
    assert _blob_files(registry_env) == []


def test_upstream_failure_mid_mirror_keeps_no_partial_blob(client, registry_env, hub, monkeypatch):
    # The weights are cut part-way more often than REGISTRY_UPSTREAM_RETRY_ATTEMPTS allows resuming.
    hub.cut_next("hf", ".safetensors", *[1000] * 3)
    art = client.post("/artifact/model", json={"url": BERT}).json()
    wait_for_mirrors()
    record = client.get(f"/artifacts/model/{art['metadata']['id']}")
    assert record.status_code == 200
    item = get_storage().records.get("ARTIFACT", art["metadata"]["id"])
    assert item is not None
    state = item["mirror"]
    assert state["status"] == "failed" and "stopped sending" in state["message"]
    tmp_leftovers = list((registry_env / "blobs" / "tmp").iterdir())
    assert tmp_leftovers == []


def test_reset_stops_a_running_multi_gigabyte_copy(client, registry_env, monkeypatch):
    import time

    from package.routers.artifacts.mirror import get_mirror_queue
    from tests.conftest import clear_process_caches

    monkeypatch.setenv("REGISTRY_MAX_ARTIFACT_BYTES", str(20 * 1024**3))
    clear_process_caches()
    art = client.post("/artifact/model", json={"url": "https://huggingface.co/vikhyatk/moondream2"}).json()
    aid = art["metadata"]["id"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # wait until the 3.7 GB copy is under way
        item = get_storage().records.get("ARTIFACT", aid)
        if item and item["mirror"]["status"] == "mirroring":
            break
        time.sleep(0.05)
    time.sleep(0.3)
    started = time.monotonic()
    assert client.delete("/reset").status_code == 200
    assert time.monotonic() - started < 2.0
    assert get_mirror_queue().pending() == 0  # the reset waited for the stopped copy: nothing races the clear
    assert _blob_files(registry_env) == []
    assert _stored_items(registry_env) == []


def _slow_to_stop(seconds: float) -> Any:
    """A mirror job that notices the stop `seconds` late (a chunk still arriving) and records its end."""
    import threading
    import time

    ended: list[float] = []

    def job(storage: Any, upstreams: Any, artifact_id: str, generation: str, stop: threading.Event) -> None:
        stop.wait(30)
        time.sleep(seconds)
        ended.append(time.monotonic())

    job.ended = ended  # type: ignore[attr-defined]
    return job


def test_a_reset_waits_for_running_copies_to_stop_before_clearing(client, monkeypatch):
    import time

    from package.routers.artifacts import mirror

    job = _slow_to_stop(0.5)
    monkeypatch.setattr(mirror, "mirror_artifact", job)
    created = client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
    assert created.status_code == 201
    assert client.delete("/reset").status_code == 200
    cleared_after = time.monotonic()
    assert job.ended and job.ended[0] <= cleared_after  # the copy had stopped before the reset answered
    assert mirror.get_mirror_queue().pending() == 0


def test_stopping_the_queue_gives_up_after_its_timeout(client, monkeypatch):
    from package.routers.artifacts import mirror

    monkeypatch.setattr(mirror, "mirror_artifact", _slow_to_stop(1.0))
    queue = mirror.get_mirror_queue()
    queue.submit("a1", "g1")
    assert queue.stop_all(timeout=0.1) is False
    assert queue.wait_idle(timeout=5)
