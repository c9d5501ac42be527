"""Downloads on AWS, end to end through the Lambda handler: an API Gateway (HTTP API, payload 2.0) event
for a download answers a redirect to a presigned S3 URL, which serves the bytes (Range, ETag) from moto."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import json
import zipfile
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.aws import moto_server, use_aws_storage
from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD, clear_process_caches, wait_for_mirrors
from tests.fakehub.fixtures.hf_weights import tiny_weights_20mb

__all__ = ["moto_server"]
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024  # bytes of a synchronous Lambda response, API Gateway's cap too


class _Context:
    """The parts of a Lambda context object Mangum reads."""

    function_name = "registry-api"
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class Lambda:
    """Invoke `main.handler` the way API Gateway's HTTP API does (payload format 2.0)."""

    def __init__(self, main: ModuleType) -> None:
        self._main = main
        self.token = ""

    def __call__(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        sent = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"}
        if self.token:
            sent["x-authorization"] = self.token
        if body is not None:
            sent["content-type"] = "application/json"
        sent |= headers or {}
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "",
            "headers": sent,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc123",
                "domainName": sent["host"],
                "domainPrefix": "abc123",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.9",
                    "userAgent": "pytest",
                },
                "requestId": "req-1",
                "routeKey": "$default",
                "stage": "$default",
                "time": "01/Dec/2026:21:00:00 +0000",
                "timeEpoch": 1796158800000,
            },
            "isBase64Encoded": False,
            **({"body": json.dumps(body)} if body is not None else {}),
        }
        response: dict[str, Any] = self._main.handler(event, _Context())
        return response


def _body(response: dict[str, Any]) -> bytes:
    raw = response.get("body") or ""
    return base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()


@pytest.fixture
def aws_lambda(registry_env, moto_server: str, monkeypatch: pytest.MonkeyPatch, request) -> Iterator[Lambda]:
    """The real Lambda handler (main.handler) on AWS storage served by moto, logged in as the admin."""
    use_aws_storage(monkeypatch, moto_server, request.node.name)
    monkeypatch.setenv("REGISTRY_PRESIGN_SECONDS", "120")
    monkeypatch.delenv("REGISTRY_PUBLIC_URL")  # links from the Host API Gateway forwards
    clear_process_caches()
    import main

    invoke = Lambda(importlib.reload(main))  # main.handler as Lambda imports it, with this environment
    login = invoke(
        "PUT",
        "/authenticate",
        {"user": {"name": DEFAULT_ADMIN, "is_admin": True}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}},
    )
    assert login["statusCode"] == 200, login
    invoke.token = json.loads(_body(login))
    yield invoke
    clear_process_caches()


def _register(invoke: Lambda, url: str) -> dict[str, Any]:
    created = invoke("POST", "/artifact/model", {"url": url})
    assert created["statusCode"] == 201, created
    artifact: dict[str, Any] = json.loads(_body(created))
    wait_for_mirrors()
    return artifact


def test_a_20_mib_model_downloads_through_a_presigned_redirect(aws_lambda):
    artifact = _register(aws_lambda, "https://huggingface.co/acme/tiny-weights-20mb")
    aid = artifact["metadata"]["id"]
    assert (
        artifact["data"]["download_url"]
        == f"https://abc123.execute-api.us-east-1.amazonaws.com/download/model/{aid}"
    )
    answer = aws_lambda("GET", f"/download/model/{aid}")
    assert answer["statusCode"] == 302, answer
    assert len(json.dumps(answer)) < LAMBDA_RESPONSE_LIMIT  # the bytes no longer pass the function
    location = answer["headers"]["location"]
    assert "X-Amz-Expires=120" in location and "X-Amz-Signature=" in location
    assert answer["headers"]["cache-control"] == "no-store"
    s3 = httpx.get(location, timeout=60)
    assert s3.status_code == 200
    assert len(s3.content) > 20 * 1024 * 1024
    assert s3.headers["content-type"] == "application/zip"
    assert 'filename="tiny-weights-20mb.zip"' in s3.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(s3.content))
    details = json.loads(_body(aws_lambda("GET", f"/artifact/model/{aid}/details")))
    weights = archive.read("model.safetensors")
    assert len(weights) == 20 * 1024 * 1024
    assert hashlib.sha256(weights).hexdigest() == tiny_weights_20mb().sha256()  # the hub's own bytes
    assert hashlib.sha256(s3.content).hexdigest() == details["mirror"]["bundle_sha256"]
    # Range and ETag are S3's own on the presigned URL.
    part = httpx.get(location, headers={"Range": "bytes=100-199"}, timeout=60)
    assert part.status_code == 206 and part.content == s3.content[100:200]
    assert s3.headers["etag"]
    again = httpx.get(location, headers={"If-None-Match": s3.headers["etag"]}, timeout=60)
    assert again.status_code == 304


def test_one_file_redirects_with_its_own_name_and_bytes(aws_lambda):
    aid = _register(aws_lambda, "https://huggingface.co/google-bert/bert-base-uncased")["metadata"]["id"]
    answer = aws_lambda("GET", f"/download/model/{aid}/config.json")
    assert answer["statusCode"] == 302, answer
    s3 = httpx.get(answer["headers"]["location"], timeout=30)
    assert s3.status_code == 200 and json.loads(s3.content)["model_type"] == "bert"
    assert 'filename="config.json"' in s3.headers["content-disposition"]


def test_stream_setting_keeps_bytes_flowing_through_the_registry(aws_lambda, monkeypatch):
    from package.routers.artifacts.config import get_artifacts_settings

    aid = _register(aws_lambda, "https://huggingface.co/google-bert/bert-base-uncased")["metadata"]["id"]
    monkeypatch.setenv("REGISTRY_DOWNLOAD_REDIRECT", "stream")
    get_artifacts_settings.cache_clear()
    answer = aws_lambda("GET", f"/download/model/{aid}/config.json")
    assert answer["statusCode"] == 200, answer
    assert json.loads(_body(answer))["model_type"] == "bert"
    get_artifacts_settings.cache_clear()


def test_a_large_download_not_copied_yet_waits_for_its_copy_instead_of_breaking(aws_lambda, monkeypatch):
    from package.routers.artifacts.config import get_artifacts_settings

    monkeypatch.setenv("REGISTRY_MIRROR", "lazy")  # nothing is copied until asked
    monkeypatch.setenv("REGISTRY_MAX_STREAM_BYTES", "5000000")  # as the AWS template sets it
    clear_process_caches()
    aid = _register(aws_lambda, "https://huggingface.co/acme/tiny-weights-20mb")["metadata"]["id"]
    small = aws_lambda("GET", f"/download/model/{aid}/config.json")
    assert small["statusCode"] == 200  # small files stream through from upstream
    early = aws_lambda("GET", f"/download/model/{aid}/model.safetensors")
    assert early["statusCode"] == 503, early
    assert early["headers"]["retry-after"] == "30"
    assert json.loads(_body(early))["error"] == "not_copied_yet"
    wait_for_mirrors()  # the refusal queued the copy
    late = aws_lambda("GET", f"/download/model/{aid}/model.safetensors")
    assert late["statusCode"] == 302
    weights = httpx.get(late["headers"]["location"], timeout=60).content
    assert hashlib.sha256(weights).hexdigest() == tiny_weights_20mb().sha256()
    get_artifacts_settings.cache_clear()
