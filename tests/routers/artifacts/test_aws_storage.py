"""The artifacts API end to end on the AWS driver (DynamoDB + S3 served by moto over HTTP)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.aws import moto_server, use_aws_storage
from tests.conftest import clear_process_caches, login, wait_for_mirrors

__all__ = ["moto_server"]


@pytest.fixture
def aws_client(
    client: TestClient, moto_server: str, monkeypatch: pytest.MonkeyPatch, request
) -> Iterator[TestClient]:
    """The `client` fixture's app and headers, rebuilt on AWS storage."""
    from main import create_app

    use_aws_storage(monkeypatch, moto_server, request.node.name)
    monkeypatch.setenv("REGISTRY_DOWNLOAD_REDIRECT", "stream")  # redirects: test_presigned_downloads.py
    clear_process_caches()
    with TestClient(create_app()) as aws:
        aws.headers["X-Authorization"] = login(aws)  # accounts and the signing secret live in this storage
        yield aws


def test_register_mirror_download_delete_reset(aws_client):
    created = aws_client.post(
        "/artifact/model", json={"url": "https://huggingface.co/google-bert/bert-base-uncased"}
    )
    assert created.status_code == 201, created.text
    aid = created.json()["metadata"]["id"]
    wait_for_mirrors()
    bundle = aws_client.get(f"/download/model/{aid}")
    assert bundle.status_code == 200
    assert bundle.headers["etag"]
    assert "config.json" in zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    ranged = aws_client.get(f"/download/model/{aid}", headers={"Range": "bytes=2-11"})
    assert ranged.status_code == 206
    assert ranged.content == bundle.content[2:12]
    duplicate = aws_client.post(
        "/artifact/model", json={"url": "https://huggingface.co/google-bert/bert-base-uncased"}
    )
    assert duplicate.status_code == 409
    assert aws_client.delete(f"/artifacts/model/{aid}").status_code == 200
    assert aws_client.get(f"/artifacts/model/{aid}").status_code == 404
    aws_client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
    assert aws_client.delete("/reset").status_code == 200
    assert aws_client.post("/artifacts", json=[{"name": "*"}]).json() == []


def test_deleting_an_artifact_with_more_items_than_one_dynamodb_transaction(aws_client):
    from package.core.auth_middleware import Principal
    from package.core.storage import get_storage
    from package.routers.artifacts import services
    from package.routers.artifacts.interface import ArtifactType, AuditAction

    created = aws_client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
    aid = created.json()["metadata"]["id"]
    storage = get_storage()
    record = services.load(storage, ArtifactType.CODE, aid)
    for _ in range(120):
        services.record_audit(
            storage, record=record, principal=Principal("ann", False), action=AuditAction.DOWNLOAD
        )
    assert aws_client.delete(f"/artifacts/code/{aid}").status_code == 200
    assert storage.records.query(f"AUDIT#{aid}") == []
    assert aws_client.get(f"/artifacts/code/{aid}").status_code == 404


def test_audit_log_outlives_delete_and_records_reset_on_aws(aws_client):
    created = aws_client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
    assert created.status_code == 201, created.text
    aid = created.json()["metadata"]["id"]
    assert aws_client.delete(f"/artifacts/code/{aid}").status_code == 200
    history = aws_client.get("/audit", params={"artifact_id": aid}).json()
    assert [e["action"] for e in history] == ["CREATE", "DELETE"]
    assert aws_client.delete("/reset").status_code == 200
    assert [e["action"] for e in aws_client.get("/audit").json()] == ["RESET"]


def test_versions_and_an_earlier_bundle_on_aws(aws_client):
    created = aws_client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
    assert created.status_code == 201, created.text
    meta = created.json()["metadata"]
    wait_for_mirrors()
    original = aws_client.get(f"/download/code/{meta['id']}")
    assert original.status_code == 200
    body = {"metadata": meta, "data": {"url": "https://github.com/google-research/bert"}}
    assert aws_client.put(f"/artifacts/code/{meta['id']}", json=body).status_code == 200
    wait_for_mirrors()
    listed = aws_client.get(f"/artifact/code/{meta['id']}/versions").json()
    assert [(v["number"], v["current"], v["bundle_kept"]) for v in listed] == [
        (1, False, True),
        (2, True, True),
    ]
    earlier = aws_client.get(f"/download/code/{meta['id']}", params={"version": 1})
    assert earlier.status_code == 200
    assert earlier.content == original.content
    assert aws_client.delete(f"/artifacts/code/{meta['id']}").status_code == 200
    assert aws_client.get(f"/artifact/code/{meta['id']}/versions").status_code == 404
