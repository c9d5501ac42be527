"""On S3 blob storage a stored file's resolve redirects to a presigned URL, as the Hub's CDN redirects do."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
from huggingface_hub import hf_hub_download

from tests.aws import aws_storage_env, moto_server
from tests.live_registry import live_registry

__all__ = ["moto_server"]
BERT = "google-bert/bert-base-uncased"


def test_stored_files_redirect_to_the_blob_store(
    registry_env, moto_server, monkeypatch, request, hub_files, tmp_path
):
    with live_registry(aws_storage_env(moto_server, request.node.name), monkeypatch) as live:
        live.register(f"https://huggingface.co/{BERT}")
        bearer = {"Authorization": f"Bearer {live.admin_jwt}"}
        answer = httpx.get(f"{live.url}/{BERT}/resolve/main/model.safetensors", headers=bearer)
        assert answer.status_code == 302, answer.text
        assert answer.headers["location"].startswith(moto_server) and answer.headers["x-repo-commit"]
        assert "X-Amz-Signature" in answer.headers["location"]  # signed: no registry token travels there
        path = hf_hub_download(
            BERT, "model.safetensors", endpoint=live.url, token=live.admin_jwt, cache_dir=tmp_path
        )
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == hub_files(BERT)["model.safetensors"]
