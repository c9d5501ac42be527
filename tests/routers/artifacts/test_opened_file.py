"""A download whose blob is released as it starts (found by the concurrency test) still completes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from package.routers.artifacts.opened_file import BlobVanished, OpenedFileResponse


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"0123456789" * 1000)
    app = FastAPI()

    @app.get("/blob")
    def blob() -> OpenedFileResponse:
        response = OpenedFileResponse(path, media_type="application/octet-stream")
        path.unlink()  # a concurrent delete releases the blob right after the lookup
        return response

    return TestClient(app)


def test_the_whole_file_is_served_after_it_was_unlinked(served):
    response = served.get("/blob")
    assert response.status_code == 200 and response.content == b"0123456789" * 1000


def test_ranges_are_served_after_it_was_unlinked(served):
    response = served.get("/blob", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206 and response.content == b"0123456789"


def test_a_file_gone_before_the_lookup_is_a_conflict(tmp_path):
    with pytest.raises(BlobVanished):
        OpenedFileResponse(tmp_path / "missing")
