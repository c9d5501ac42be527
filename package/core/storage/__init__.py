"""Storage drivers behind one interface; `get_storage()` opens the one the settings pick."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from package.core.config import Settings, StorageBackend, get_settings
from package.core.on_loop import on_loop
from package.core.storage.files import FileBlobStore
from package.core.storage.interface import (
    BlobInfo,
    BlobStore,
    Check,
    ConditionFailed,
    Delete,
    Item,
    Put,
    Record,
    RecordStore,
    Storage,
    StorageError,
    StoredBlob,
    key_pages,
)
from package.core.storage.sqlite import SqliteRecordStore

__all__ = [
    "BlobInfo",
    "BlobStore",
    "Check",
    "ConditionFailed",
    "Delete",
    "Item",
    "Put",
    "Record",
    "RecordStore",
    "Storage",
    "StorageError",
    "Store",
    "StoredBlob",
    "get_storage",
    "key_pages",
    "open_storage",
]


def open_storage(settings: Settings) -> Storage:
    """Open the driver the settings name."""
    if settings.storage is StorageBackend.EMBEDDED:
        return Storage(
            records=SqliteRecordStore(settings.sqlite_path),
            blobs=FileBlobStore(settings.blob_dir),
            description=f"embedded ({settings.data_dir})",
            local=True,
        )
    from package.core.storage.aws import open_aws_storage  # boto3 loads only when AWS storage is chosen

    return open_aws_storage(settings)


@lru_cache(maxsize=1)
def get_storage() -> Storage:
    """The process-wide storage, opened once."""
    return open_storage(get_settings())


Store = Annotated[Storage, Depends(on_loop(get_storage))]
