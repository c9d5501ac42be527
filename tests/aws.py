"""moto's standalone server (AWS over real HTTP on loopback) and AWS settings for tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

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
