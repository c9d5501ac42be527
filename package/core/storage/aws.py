"""Open the AWS drivers (DynamoDB records, S3 blobs) from the settings, creating resources when asked."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from package.core.config import Settings
from package.core.storage.dynamodb import DynamoRecordStore
from package.core.storage.interface import Storage, StorageError
from package.core.storage.s3 import S3BlobStore


def open_aws_storage(settings: Settings) -> Storage:
    """DynamoDB + S3 storage for the settings' table, bucket, region and endpoint."""
    session = boto3.session.Session(region_name=settings.aws_region)
    common: dict[str, Any] = {
        "endpoint_url": settings.aws_endpoint_url,
        "config": Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=32),
    }
    dynamodb = session.resource("dynamodb", **common)
    # Presigned download URLs use SigV4 (every region accepts it; their lifetime is part of the signature).
    s3 = session.client(
        "s3",
        endpoint_url=settings.aws_endpoint_url,
        config=common["config"].merge(Config(signature_version="s3v4")),
    )
    table = dynamodb.Table(settings.dynamodb_table)
    if settings.aws_create_resources:
        _ensure_table(dynamodb, settings.dynamodb_table)
        _ensure_bucket(s3, settings.s3_bucket, settings.aws_region)
    return Storage(
        records=DynamoRecordStore(table),
        blobs=S3BlobStore(s3, settings.s3_bucket),
        description=f"aws (dynamodb:{settings.dynamodb_table}, s3:{settings.s3_bucket})",
    )


def _ensure_table(dynamodb: Any, name: str) -> None:
    try:
        dynamodb.meta.client.describe_table(TableName=name)
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise StorageError(f"cannot read DynamoDB table {name}: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"DynamoDB unreachable: {exc}") from exc
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()


def _ensure_bucket(s3: Any, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except ClientError:
        pass
    except BotoCoreError as exc:
        raise StorageError(f"S3 unreachable: {exc}") from exc
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **extra)
