"""Versions: registration is version 1, each PUT the next; earlier bundles download while kept."""

from __future__ import annotations

import io
import zipfile

import pytest

from package.core.config import clear_settings_caches
from package.core.storage import get_storage
from tests.conftest import wait_for_mirrors

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
DISTILBERT = "https://huggingface.co/distilbert-base-uncased-distilled-squad"


def register(client, url=BERT):
    response = client.post("/artifact/model", json={"url": url})
    assert response.status_code == 201, response.text
    wait_for_mirrors()
    return response.json()["metadata"]


def put(client, meta, url):
    response = client.put(f"/artifacts/model/{meta['id']}", json={"metadata": meta, "data": {"url": url}})
    assert response.status_code == 200, response.text
    wait_for_mirrors()


def versions(client, meta):
    response = client.get(f"/artifact/model/{meta['id']}/versions")
    assert response.status_code == 200, response.text
    return response.json()


def names_in(content: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(content)).namelist())


def test_registration_is_version_one_pinned_to_the_upstream_commit(client):
    meta = register(client)
    [first] = versions(client, meta)
    assert first["number"] == 1 and first["current"] is True
    assert first["source_url"] == BERT
    assert first["revision"] and len(first["revision"]) == 40
    assert first["created_by"] == "ece30861defaultadminuser"
    assert first["bundle_kept"] is True and len(first["bundle_sha256"]) == 64


def test_each_put_is_a_new_version_and_earlier_bundles_stay_downloadable(client):
    meta = register(client)
    original = client.get(f"/download/model/{meta['id']}").content
    put(client, meta, DISTILBERT)
    put(client, meta, BERT)  # a re-ingest of the first source: a version of its own
    listed = versions(client, meta)
    assert [v["number"] for v in listed] == [1, 2, 3]
    assert [v["current"] for v in listed] == [False, False, True]
    assert [v["source_url"] for v in listed] == [BERT, DISTILBERT, BERT]
    assert len({v["generation"] for v in listed}) == 3
    old = client.get(f"/download/model/{meta['id']}", params={"version": 1})
    assert old.status_code == 200
    assert old.content == original
    middle = client.get(f"/download/model/{meta['id']}", params={"version": 2})
    assert names_in(middle.content) != names_in(original) or middle.content != original
    assert client.get(f"/download/model/{meta['id']}", params={"version": 3}).status_code == 200
    missing = client.get(f"/download/model/{meta['id']}", params={"version": 9})
    assert missing.status_code == 404 and "no version 9" in missing.json()["message"]
    assert client.get(f"/download/model/{meta['id']}", params={"version": 0}).status_code == 400


def test_retention_lets_old_bundles_go_but_keeps_the_entries(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_VERSIONS_KEPT", "1")
    clear_settings_caches()
    meta = register(client)
    first_sha = versions(client, meta)[0]["bundle_sha256"]
    put(client, meta, DISTILBERT)
    put(client, meta, BERT)
    listed = versions(client, meta)
    assert [v["bundle_kept"] for v in listed] == [False, True, True]
    gone = client.get(f"/download/model/{meta['id']}", params={"version": 1})
    assert gone.status_code == 404 and "REGISTRY_VERSIONS_KEPT" in gone.json()["message"]
    assert client.get(f"/download/model/{meta['id']}", params={"version": 2}).status_code == 200
    assert listed[2]["bundle_sha256"] == first_sha  # the same content again: the same blob, kept as current
    assert get_storage().blobs.exists(first_sha)


def test_delete_releases_every_version_bundle(client):
    meta = register(client, DISTILBERT)
    put(client, meta, BERT)
    shas = [v["bundle_sha256"] for v in versions(client, meta)]
    assert all(shas)
    assert client.delete(f"/artifacts/model/{meta['id']}").status_code == 200
    assert not any(get_storage().blobs.exists(sha) for sha in shas)
    assert client.get(f"/artifact/model/{meta['id']}/versions").status_code == 404


@pytest.mark.parametrize("kept", ["-1", "abc"])
def test_bad_retention_values_are_refused(monkeypatch, kept):
    from pydantic import ValidationError

    from package.routers.artifacts.config import ArtifactsSettings

    monkeypatch.setenv("REGISTRY_VERSIONS_KEPT", kept)
    with pytest.raises(ValidationError):
        ArtifactsSettings()


def test_retention_counts_the_newest_versions_whether_or_not_they_were_mirrored(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_VERSIONS_KEPT", "1")
    clear_settings_caches()
    meta = register(client)  # mirrored: version 1 has a bundle
    monkeypatch.setenv("REGISTRY_MIRROR", "off")
    clear_settings_caches()
    put(client, meta, DISTILBERT)  # version 2: never mirrored, still the one earlier version kept
    put(client, meta, BERT)
    listed = versions(client, meta)
    assert [v["bundle_kept"] for v in listed] == [False, False, False]
    gone = client.get(f"/download/model/{meta['id']}", params={"version": 1})
    assert gone.status_code == 404 and "REGISTRY_VERSIONS_KEPT" in gone.json()["message"]


def test_a_dataset_lists_versions_without_scores(client):
    url = "https://huggingface.co/datasets/bookcorpus/bookcorpus"
    created = client.post("/artifact/dataset", json={"url": url})
    assert created.status_code == 201, created.text
    [only] = client.get(f"/artifact/dataset/{created.json()['metadata']['id']}/versions").json()
    assert only["current"] is True and only["net_score"] is None
