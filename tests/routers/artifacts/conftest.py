"""Fixtures shared by the artifacts domain's storage-level tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from package.core.config import Settings
from package.core.storage import Storage, open_storage
from tests.aws import AWS_ENV
from tests.core.storage.conftest import aws_settings


@pytest.fixture(params=["embedded", "aws-inprocess"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """One fresh storage of each driver (AWS: DynamoDB and S3 from moto, in-process), as opened."""
    if request.param == "embedded":
        yield open_storage(Settings(data_dir=tmp_path))
        return
    from moto import mock_aws

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield open_storage(aws_settings(tmp_path, None))
