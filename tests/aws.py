"""moto's standalone server (AWS over real HTTP on loopback) and AWS settings for tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's standalone server on a free loopback port."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def unique_name(seed: str) -> str:
    """A table/bucket name valid for AWS, unique per test."""
    return "reg-" + "".join(c if c.isalnum() else "-" for c in seed.lower())[-40:].strip("-")


@pytest.fixture
def aws_registry(
    client: TestClient, moto_server: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """A registry app like the `client` fixture's (same REGISTRY_ environment), on the AWS driver (moto)."""
    from main import create_app
    from tests.conftest import clear_process_caches, login

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REGISTRY_STORAGE", "aws")
    monkeypatch.setenv("REGISTRY_AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("REGISTRY_AWS_CREATE_RESOURCES", "true")
    monkeypatch.setenv("REGISTRY_DYNAMODB_TABLE", unique_name(request.node.name))
    monkeypatch.setenv("REGISTRY_S3_BUCKET", unique_name(request.node.name))
    clear_process_caches()
    with TestClient(create_app()) as aws:
        aws.headers["X-Authorization"] = login(aws)
        yield aws
