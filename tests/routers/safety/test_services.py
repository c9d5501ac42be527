"""Safety services: re-scans under new rules, forgetting on delete, not re-scanning what is current."""

from __future__ import annotations

import threading
import time

import pytest

from package.core.storage import Storage, get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.safety import database
from package.routers.safety import services as safety_services
from package.routers.safety.interface import FileScan
from package.routers.safety.lookalikes import NameIndex
from package.routers.safety.rules import RULES_VERSION
from tests.routers.safety.conftest import scanned_report

HF = "https://huggingface.co/"


def _current(artifact_id: str) -> dict[str, FileScan]:
    storage = get_storage()
    record = next(r for r in artifact_services.all_records(storage) if r.id == artifact_id)
    return {path: scan for path, scan in database.file_scans(storage, artifact_id, record.generation).items()}


def test_scans_made_under_older_rules_are_redone_from_the_blob_store(client, register):
    artifact_id = register(HF + "safety-lab/os-system-model")
    scanned_report(client, artifact_id)
    storage = get_storage()
    record = next(r for r in artifact_services.all_records(storage) if r.id == artifact_id)
    old = database.file_scans(storage, artifact_id, record.generation)["pytorch_model.bin"]
    database.save_file_scan(
        storage,
        artifact_id,
        record.generation,
        old.model_copy(update={"rules_version": "0-old", "findings": []}),
    )
    database.mark_scans_current(storage, "0-old")  # the store as code with older rules left it
    assert safety_services.rescan_stale(storage) == 1
    assert safety_services.wait_idle()
    redone = database.file_scans(storage, artifact_id, record.generation)["pytorch_model.bin"]
    assert redone.rules_version == RULES_VERSION and redone.findings and redone.sha256 == old.sha256
    assert safety_services.rescan_stale(storage) == 0
    assert database.scans_current_under(storage) == RULES_VERSION  # found current: later starts read a mark


def test_a_start_reads_no_artifact_once_every_scan_is_current(client, register, monkeypatch):
    artifact_id = register(HF + "safety-lab/os-system-model")
    scanned_report(client, artifact_id)
    storage = get_storage()
    assert safety_services.rescan_stale(storage) == 0
    with monkeypatch.context() as reads:
        reads.setattr(artifact_services, "all_records", lambda *args, **kwargs: pytest.fail("read them all"))
        assert safety_services.rescan_stale(storage) == 0
    database.mark_scans_current(storage, "0-old")  # the rules changed since: the next start checks again
    assert safety_services.rescan_stale(storage) == 0
    assert database.scans_current_under(storage) == RULES_VERSION


def test_deleting_an_artifact_forgets_its_scans(client, register):
    artifact_id = register(HF + "safety-lab/keras-lambda")
    scanned_report(client, artifact_id)
    assert _current(artifact_id)
    assert client.delete(f"/artifacts/model/{artifact_id}").status_code == 200
    assert get_storage().records.query(f"SAFETY#{artifact_id}") == []


def test_files_scanned_under_the_current_rules_are_not_scanned_again(client, register, set_env):
    set_env(REGISTRY_MIRROR="off")
    artifact_id = register(HF + "safety-lab/popen-model")
    client.get(f"/download/model/{artifact_id}/model.pt")
    first = scanned_report(client, artifact_id)
    client.get(f"/download/model/{artifact_id}/model.pt")
    second = scanned_report(client, artifact_id)
    scanned_at = {f["path"]: f["scanned_at"] for f in first["files"]}
    assert all(scanned_at[f["path"]] == f["scanned_at"] for f in second["files"])


def _name_findings(artifact_id: str) -> list[str]:
    storage = get_storage()
    record = artifact_services.records_by_id(storage, [artifact_id])[artifact_id]
    return [str(f.resembles) for f in database.name_findings(storage, artifact_id, record.generation) or []]


def test_registered_look_alikes_are_found_across_delete_and_reset(client, register):
    real = register(HF + "safety-lab/clean-safetensors", name="acme-sentiment-large")
    fake = register(HF + "safety-lab/benign-torch", name="acme-sentlment-large")
    assert any(real in label for label in _name_findings(fake))
    assert client.delete(f"/artifacts/model/{real}").status_code == 200
    again = register(HF + "safety-lab/os-system-model", name="acme-sentimant-large")
    assert all(real not in label for label in _name_findings(again))  # the deleted one is no target
    assert any(fake in label for label in _name_findings(again))
    assert client.delete("/reset").status_code == 200
    after = register(HF + "safety-lab/benign-torch", name="acme-sentlment-large")
    assert not [label for label in _name_findings(after) if "registered" in label]


def test_a_database_from_before_the_index_is_backfilled(client, register):
    real = register(HF + "safety-lab/clean-safetensors", name="acme-sentiment-large")
    storage = get_storage()
    for pk in (database.NAME_INDEX, database.NAME_META, database.NAME_LOG):
        for item in storage.records.query(pk):
            storage.records.delete(item.pk, item.sk)
    safety_services.reset_name_index()  # a new process on the old database
    fake = register(HF + "safety-lab/benign-torch", name="acme-sentlment-large")
    assert any(real in label for label in _name_findings(fake))
    assert storage.records.get(database.NAME_META, "schema") is not None


def _loaded(count: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while len(safety_services.get_name_index()) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_start_up_does_not_wait_for_the_names_to_load(client, register, monkeypatch):
    register(HF + "safety-lab/clean-safetensors", name="acme-sentiment-large")
    safety_services.reset_name_index()  # a new process on this database
    loading, release = threading.Event(), threading.Event()
    ensure = NameIndex.ensure

    def held(index: NameIndex, storage: Storage) -> None:
        loading.set()
        release.wait(10)
        ensure(index, storage)

    monkeypatch.setattr(NameIndex, "ensure", held)
    safety_services.on_startup()  # returns while the load is held
    assert loading.wait(5) and len(safety_services.get_name_index()) == 0
    release.set()
    assert _loaded(1)


def test_in_lambda_the_first_name_check_loads_the_names(client, register, monkeypatch):
    real = register(HF + "safety-lab/clean-safetensors", name="acme-sentiment-large")
    safety_services.reset_name_index()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "registry")
    safety_services.on_startup()
    time.sleep(0.2)
    assert len(safety_services.get_name_index()) == 0  # no thread took an invocation's CPU
    fake = register(HF + "safety-lab/benign-torch", name="acme-sentlment-large")
    assert any(real in label for label in _name_findings(fake))
