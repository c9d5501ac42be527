"""GET /artifact/{type}/{id}/safety and POST .../safety/approve, end to end over the fake hub."""

from __future__ import annotations

from typing import Any

import pytest

from tests.routers.safety.conftest import scanned_report

HF = "https://huggingface.co/"


def finding_kinds(report: dict[str, Any]) -> set[str]:
    return {f["kind"] for f in report["findings"]}


@pytest.mark.parametrize(
    ("repo", "verdict", "kind", "path"),
    [
        ("safety-lab/os-system-model", "dangerous", "dangerous_import", "pytorch_model.bin"),
        ("safety-lab/popen-model", "dangerous", "dangerous_import", "model.pt"),
        ("safety-lab/keras-lambda", "dangerous", "keras_lambda", "model.keras"),
        ("safety-lab/broken-safetensors", "suspicious", "malformed", "model.safetensors"),
    ],
)
def test_each_fixture_gets_its_verdict(client, register, repo, verdict, kind, path):
    artifact_id = register(HF + repo)
    report = scanned_report(client, artifact_id)
    assert report["verdict"] == verdict
    assert (kind, path, verdict) in {(f["kind"], f["file"], f["severity"]) for f in report["findings"]}
    assert report["findings"][0]["severity"] == verdict  # the worst first
    assert report["downloads_blocked"] is False  # the default policy only warns
    scanned = {f["path"]: f for f in report["files"]}
    assert scanned[path]["verdict"] == verdict and scanned[path]["sha256"]


def test_a_benign_torch_model_is_safe_and_the_file_list_tells_formats(client, register):
    report = scanned_report(client, register(HF + "safety-lab/benign-torch"))
    assert report["verdict"] == "safe", report["findings"]
    assert report["counts"]["pytorch-zip"] == 1
    formats = {f["path"]: f["format"] for f in report["files"]}
    assert formats["pytorch_model.bin"] == "pytorch-zip" and formats["config.json"] == "other"


def test_safetensors_weights_are_marked_as_such(client, register):
    report = scanned_report(client, register(HF + "safety-lab/clean-safetensors"))
    assert report["verdict"] == "safe"
    assert report["counts"]["safetensors"] == 1


def test_a_look_alike_owner_is_a_name_confusion(client, register):
    real = register(HF + "google-bert/bert-base-uncased", name="bert-base-uncased")
    fake = register(HF + "g00gle-bert/bert-base-uncased", name="bert-base-uncased-2")
    report = scanned_report(client, fake)
    assert report["verdict"] == "suspicious"
    confusion = [f for f in report["findings"] if f["kind"] == "name_confusion"]
    assert confusion and "google-bert/bert-base-uncased" in confusion[0]["resembles"]
    assert finding_kinds(scanned_report(client, real)) == set()


def test_a_typo_of_a_registered_name_names_the_artifact(client, register):
    first = register(HF + "safety-lab/clean-safetensors", name="acme-sentiment-large")
    second = register(HF + "safety-lab/benign-torch", name="acme-sentlment-large")
    report = scanned_report(client, second)
    assert first in report["findings"][0]["resembles"]


def test_before_mirroring_files_are_unscanned_then_scanned_as_they_stream(client, register, set_env):
    set_env(REGISTRY_MIRROR="off")
    artifact_id = register(HF + "safety-lab/os-system-model")
    before = client.get(f"/artifact/model/{artifact_id}/safety").json()
    assert before["verdict"] == "unscanned" and "not_mirrored" in finding_kinds(before)
    assert client.get(f"/download/model/{artifact_id}/pytorch_model.bin").status_code == 200
    after = scanned_report(client, artifact_id)
    assert after["verdict"] == "dangerous"


def test_block_policy_holds_back_downloads_until_an_admin_approves(client, register, set_env, user_client):
    set_env(REGISTRY_SAFETY_POLICY="block")
    artifact_id = register(HF + "safety-lab/os-system-model")
    report = scanned_report(client, artifact_id)
    assert report["downloads_blocked"] is True
    for url in (f"/download/model/{artifact_id}", f"/download/model/{artifact_id}/pytorch_model.bin"):
        refused = client.get(url)
        assert refused.status_code == 403
        body = refused.json()
        assert body["error"] == "dangerous_artifact" and "os.system" in body["message"]
        assert body["details"]["findings"][0]["file"] == "pytorch_model.bin"
    outsider = user_client("mallory", permissions=("search", "download", "upload"))
    assert outsider.post(f"/artifact/model/{artifact_id}/safety/approve").status_code == 403
    approved = client.post(f"/artifact/model/{artifact_id}/safety/approve", json={"reason": "sandbox use"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"]["by"] == "ece30861defaultadminuser"
    assert approved.json()["downloads_blocked"] is False
    assert client.get(f"/download/model/{artifact_id}/pytorch_model.bin").status_code == 200
    actions = [entry["action"] for entry in client.get(f"/artifact/model/{artifact_id}/audit").json()]
    assert "AUDIT" in actions


def test_block_policy_lets_safe_artifacts_through(client, register, set_env):
    set_env(REGISTRY_SAFETY_POLICY="block")
    artifact_id = register(HF + "safety-lab/benign-torch")
    scanned_report(client, artifact_id)
    assert client.get(f"/download/model/{artifact_id}").status_code == 200


def test_refusing_dangerous_ingest_stores_nothing(client, register, set_env):
    set_env(REGISTRY_SAFETY_REFUSE_DANGEROUS="true")
    refused = client.post("/artifact/model", json={"url": HF + "safety-lab/popen-model", "name": "popen"})
    assert refused.status_code == 424, refused.text
    assert refused.json()["error"] == "dangerous_artifact" and "subprocess.Popen" in refused.json()["message"]
    assert client.get("/artifact/byName/popen").status_code == 404
    assert client.post("/artifacts", json=[{"name": "*"}]).json() == []
    benign = register(HF + "safety-lab/benign-torch")
    assert client.get(f"/artifact/model/{benign}/safety").json()["files"]  # the ingest scan was kept


def test_rating_details_show_the_verdict(client, register):
    artifact_id = register(HF + "safety-lab/os-system-model")
    scanned_report(client, artifact_id)
    details = client.get(f"/artifact/model/{artifact_id}/rate/details")
    assert details.status_code == 200, details.text
    safety = details.json()["safety"]
    assert safety["verdict"] == "dangerous" and "os.system" in safety["headline"]


@pytest.mark.parametrize(
    ("path", "status"), [("/artifact/model/nope/safety", 404), ("/artifact/model/a_b/safety", 400)]
)
def test_unknown_and_malformed_ids(client, path, status):
    assert client.get(path).status_code == status


def test_the_report_needs_a_token(anonymous_client):
    assert anonymous_client.get("/artifact/model/abc/safety").status_code == 403


def test_github_code_is_scanned_as_it_is_mirrored(client, register):
    report = scanned_report(client, register("https://github.com/google-research/bert", "code"), "code")
    assert report["files"] and all(f["verdict"] != "unscanned" for f in report["files"])
    assert report["verdict"] == "safe" and report["findings"] == []
    assert set(report["counts"]) == {"other"}  # source files: no model format among them
    assert report["artifact"]["type"] == "code"
