"""AWS blob driver: one S3 object per blob under `<prefix><sha256>`, uploaded only once complete."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from package.core.storage.interface import BlobInfo, BlobWriter, StorageError, StoredBlob

CHUNK_BYTES = 1024 * 1024
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


class S3BlobStore:
    """BlobStore over an S3 bucket; a blob becomes visible only when its whole upload succeeded."""

    def __init__(self, client: Any, bucket: str, prefix: str = "blobs/") -> None:
        self._s3 = client
        self._bucket = bucket
        self._prefix = prefix

    def _key(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StorageError(f"not a sha256 address: {sha256!r}")
        return f"{self._prefix}{sha256}"

    @contextmanager
    def writer(self) -> Iterator[BlobWriter]:
        """Spool the bytes (memory, then disk), hash them, and upload under their hash once complete."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
            blob = BlobWriter(sink=spool, hasher=hashlib.sha256())  # type: ignore[arg-type]
            yield blob
            sha256 = blob.hasher.hexdigest()
            spool.seek(0)
            if not self.exists(sha256):
                try:
                    self._s3.upload_fileobj(spool, self._bucket, self._key(sha256))
                except (BotoCoreError, ClientError) as exc:
                    raise StorageError(f"S3 upload failed: {exc}") from exc
            blob.info = BlobInfo(sha256=sha256, size=blob.size)

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.size(sha256) is not None

    def size(self, sha256: str) -> int | None:
        """The blob's size, or None when absent."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise StorageError(f"S3 head failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable: {exc}") from exc
        return int(head["ContentLength"])

    def read_chunks(self, sha256: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from `start` up to (not including) `end`, in chunks (one ranged GET)."""
        if end is not None and end <= start:
            return
        ranged = (
            {} if start == 0 and end is None else {"Range": f"bytes={start}-{'' if end is None else end - 1}"}
        )
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self._key(sha256), **ranged)["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 read failed: {exc}") from exc
        try:
            yield from body.iter_chunks(CHUNK_BYTES)
        finally:
            body.close()

    def presigned_url(
        self, sha256: str, *, disposition: str, media_type: str, expires_seconds: int
    ) -> str | None:
        """A presigned GET of the blob's object (signed locally: no call to S3), naming the file to save."""
        try:
            url: str = self._s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": self._key(sha256),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": media_type,
                },
                ExpiresIn=expires_seconds,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presigning failed: {exc}") from exc
        return url

    def local_path(self, sha256: str) -> Path | None:
        """S3 blobs have no local file."""
        return None

    def delete(self, sha256: str) -> None:
        """Remove the blob if present."""
        try:
            self._s3.delete_object(Bucket=self._bucket, Key=self._key(sha256))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 delete failed: {exc}") from exc

    def listing(self) -> Iterator[StoredBlob]:
        """Every blob object under the prefix (list_objects_v2, page by page), with its LastModified."""
        paginator = self._s3.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix):
                for obj in page.get("Contents", []):
                    name = str(obj["Key"])[len(self._prefix) :]
                    if len(name) == 64 and all(c in "0123456789abcdef" for c in name):
                        yield StoredBlob(sha256=name, modified=obj["LastModified"].timestamp())
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 listing failed: {exc}") from exc

    def clear(self) -> None:
        """Remove every blob under the prefix."""
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
