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


def aws_storage_env(endpoint: str, seed: str) -> dict[str, str]:
    """The environment of a registry on the AWS driver against moto at `endpoint` (moto's credentials
    included), with a table and a bucket of its own named after `seed`, created at start-up."""
    name = unique_name(seed)
    return AWS_ENV | {
        "REGISTRY_STORAGE": "aws",
        "REGISTRY_AWS_ENDPOINT_URL": endpoint,
        "REGISTRY_AWS_CREATE_RESOURCES": "true",
        "REGISTRY_DYNAMODB_TABLE": name,
        "REGISTRY_S3_BUCKET": name,
    }


def use_aws_storage(monkeypatch: pytest.MonkeyPatch, endpoint: str, seed: str) -> None:
    """Point the registry this test builds next at moto's AWS (see `aws_storage_env`), for this test only."""
    for name, value in aws_storage_env(endpoint, seed).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws_registry(
    client: TestClient, moto_server: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """A registry app like the `client` fixture's (same REGISTRY_ environment), on the AWS driver (moto)."""
    from main import create_app
    from tests.conftest import clear_process_caches, login

    use_aws_storage(monkeypatch, moto_server, request.node.name)
    clear_process_caches()
    with TestClient(create_app()) as aws:
        aws.headers["X-Authorization"] = login(aws)
        yield aws
