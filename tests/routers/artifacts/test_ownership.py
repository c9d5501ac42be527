"""Artifacts have owners (issue 13): changing or deleting one needs its owner or an admin."""

from __future__ import annotations

import logging

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER = "https://huggingface.co/openai/whisper-tiny"


def _update_body(artifact, url):
    return {"metadata": artifact["metadata"], "data": {"url": url}}


def test_an_uploader_cannot_repoint_or_delete_someone_elses_artifact(client, user_client, caplog):
    owner = user_client("olive", permissions=["upload", "search"], password="olive-password-1")
    mallory = user_client("mallory", permissions=["upload", "search"], password="mallory-password-1")
    artifact = owner.post("/artifact/model", json={"url": BERT}).json()
    path = f"/artifacts/model/{artifact['metadata']['id']}"
    with caplog.at_level(logging.WARNING, logger="registry.artifacts"):
        assert mallory.put(path, json=_update_body(artifact, WHISPER)).status_code == 403
        assert mallory.delete(path).status_code == 403
    assert any("not the owner" in r.getMessage() and r.by == "mallory" for r in caplog.records)
    assert owner.get(path).json()["data"]["url"] == BERT  # unchanged


def test_the_owner_and_an_admin_may(client, user_client):
    owner = user_client("olive", permissions=["upload", "search"], password="olive-password-1")
    artifact = owner.post("/artifact/model", json={"url": BERT}).json()
    path = f"/artifacts/model/{artifact['metadata']['id']}"
    assert owner.put(path, json=_update_body(artifact, WHISPER)).status_code == 200
    assert client.delete(path).status_code == 200  # the admin
    other = owner.post("/artifact/model", json={"url": BERT}).json()
    assert owner.delete(f"/artifacts/model/{other['metadata']['id']}").status_code == 200
