"""worker.py: background work left in storage (copies, ratings) is resumed and finished by a fresh process."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import clear_process_caches, login, wait_for_mirrors


def test_worker_finishes_copies_and_ratings_a_stopped_process_left(registry_env, monkeypatch):
    from main import create_app

    # A registry that neither copies nor rates in the background: what a process killed mid-work leaves.
    monkeypatch.setenv("REGISTRY_MIRROR", "lazy")
    monkeypatch.setenv("REGISTRY_RATE_ON_INGEST", "false")
    clear_process_caches()
    with TestClient(create_app()) as client:
        client.headers["X-Authorization"] = login(client)
        created = client.post(
            "/artifact/model", json={"url": "https://huggingface.co/google-bert/bert-base-uncased"}
        )
        aid = created.json()["metadata"]["id"]
        assert client.get(f"/artifact/model/{aid}/details").json()["mirror"]["status"] == "pending"

    monkeypatch.setenv("REGISTRY_MIRROR", "eager")
    monkeypatch.setenv("REGISTRY_RATE_ON_INGEST", "true")
    clear_process_caches()
    import worker

    summary = worker.run(120.0)
    assert summary == {"mirrors": 1, "ratings": 1, "swept": 0, "finished": True}

    from package.core.storage import get_storage
    from package.routers.artifacts import services as artifact_services
    from package.routers.artifacts.interface import MirrorStatus
    from package.routers.rating import services as rating_services

    record = artifact_services.all_records(get_storage())[0]
    assert record.mirror.status is MirrorStatus.COMPLETE
    assert rating_services.resume_background() == 0  # rated: nothing left to resume
    assert worker.run(10.0) == {"mirrors": 0, "ratings": 0, "swept": 0, "finished": True}


def test_lambda_entry_point_stops_before_the_invocation_time_out(registry_env, monkeypatch):
    import worker

    seen: list[float] = []

    def run(timeout: float) -> dict[str, object]:
        seen.append(timeout)
        return {}

    monkeypatch.setattr(worker, "run", run)

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 900_000

    worker.handler({}, Context())
    assert seen == [900 - worker.SAFETY_SECONDS]


def test_a_failed_copy_is_tried_again_once_its_retry_time_has_passed(registry_env, hub, monkeypatch):
    import worker
    from main import create_app
    from package.core.config import get_settings
    from package.core.storage import get_storage
    from package.routers.artifacts import services as artifact_services
    from package.routers.artifacts.interface import MirrorStatus

    def status() -> MirrorStatus:
        return artifact_services.all_records(get_storage())[0].mirror.status

    with TestClient(create_app()) as client:
        client.headers["X-Authorization"] = login(client)
        hub.set_path_down("hf", "model.safetensors", True)  # an upstream fault in the middle of the copy
        try:
            created = client.post(
                "/artifact/model", json={"url": "https://huggingface.co/google-bert/bert-base-uncased"}
            )
            assert created.status_code == 201, created.text
            wait_for_mirrors()
        finally:
            hub.set_path_down("hf", "model.safetensors", False)
    assert status() is MirrorStatus.FAILED
    assert artifact_services.resume_mirrors(get_storage(), get_settings()) == 0  # too soon to try again

    monkeypatch.setenv("REGISTRY_MIRROR_RETRY_SECONDS", "0")
    clear_process_caches()
    assert worker.run(120.0)["mirrors"] == 1
    assert status() is MirrorStatus.COMPLETE
