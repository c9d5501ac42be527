"""The embedded blob driver: content addressing, atomic writes, ranges."""

from __future__ import annotations

import hashlib

import pytest

from package.core.storage import StorageError
from package.core.storage.files import FileBlobStore


@pytest.fixture
def blobs(tmp_path):
    return FileBlobStore(tmp_path / "blobs")


def test_write_is_addressed_by_sha256(blobs):
    with blobs.writer() as w:
        w.write(b"hello ")
        w.write(b"world")
    sha = hashlib.sha256(b"hello world").hexdigest()
    assert w.info is not None and w.info.sha256 == sha and w.info.size == 11
    assert blobs.exists(sha) and blobs.size(sha) == 11
    assert b"".join(blobs.read_chunks(sha)) == b"hello world"
    assert b"".join(blobs.read_chunks(sha, start=6, end=9)) == b"wor"
    assert blobs.local_path(sha) is not None


def test_failed_write_leaves_nothing(blobs, tmp_path):
    with pytest.raises(RuntimeError), blobs.writer() as w:
        w.write(b"partial")
        raise RuntimeError("upstream died")
    leftovers = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert leftovers == []


def test_delete_and_clear(blobs):
    with blobs.writer() as w:
        w.write(b"a")
    sha = w.info.sha256
    blobs.delete(sha)
    assert not blobs.exists(sha) and blobs.size(sha) is None
    blobs.delete(sha)  # idempotent
    with blobs.writer() as w:
        w.write(b"b")
    blobs.clear()
    assert not blobs.exists(w.info.sha256)


def test_refuses_non_sha_addresses(blobs):
    with pytest.raises(StorageError):
        blobs.exists("../../etc/passwd")
