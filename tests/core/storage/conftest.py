"""Every storage driver behind the same contract tests: embedded, AWS in-process (moto), AWS over the wire."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from package.core.config import Settings, StorageBackend
from package.core.storage import Storage, open_storage
from tests.aws import AWS_ENV, moto_server, unique_name

__all__ = ["moto_server"]


def aws_settings(tmp_path: Path, endpoint: str | None) -> Settings:
    """Settings of an AWS storage with its own table and bucket."""
    name = unique_name(tmp_path.name)
    return Settings(
        storage=StorageBackend.AWS,
        dynamodb_table=name,
        s3_bucket=name,
        aws_endpoint_url=endpoint,
        aws_create_resources=True,
        data_dir=tmp_path,
    )


@pytest.fixture(params=["embedded", "aws-inprocess", "aws-wire"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """One storage of each driver."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    if request.param == "embedded":
        yield open_storage(Settings(data_dir=tmp_path))
    elif request.param == "aws-inprocess":
        from moto import mock_aws

        with mock_aws():
            yield open_storage(aws_settings(tmp_path, None))
    else:
        yield open_storage(aws_settings(tmp_path, request.getfixturevalue("moto_server")))
