"""The blob store contract, for every driver: content addressing, atomic writes, ranges."""

from __future__ import annotations

import hashlib

import pytest

from package.core.storage import StorageError
from package.core.storage.files import FileBlobStore


@pytest.fixture
def blobs(storage):
    return storage.blobs


def test_write_is_addressed_by_sha256(blobs):
    with blobs.writer() as w:
        w.write(b"hello ")
        w.write(b"world")
    sha = hashlib.sha256(b"hello world").hexdigest()
    assert w.info is not None and w.info.sha256 == sha and w.info.size == 11
    assert blobs.exists(sha) and blobs.size(sha) == 11
    assert b"".join(blobs.read_chunks(sha)) == b"hello world"
    assert b"".join(blobs.read_chunks(sha, start=6, end=9)) == b"wor"
    assert b"".join(blobs.read_chunks(sha, start=6)) == b"world"


def test_failed_write_leaves_nothing(blobs):
    with pytest.raises(RuntimeError), blobs.writer() as w:
        w.write(b"partial")
        raise RuntimeError("upstream died")
    assert not blobs.exists(hashlib.sha256(b"partial").hexdigest())


def test_empty_blob(blobs):
    with blobs.writer() as w:
        pass
    assert w.info.size == 0
    assert b"".join(blobs.read_chunks(w.info.sha256)) == b""


def test_embedded_failed_write_leaves_no_file(tmp_path):
    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(RuntimeError), store.writer() as w:
        w.write(b"partial")
        raise RuntimeError("upstream died")
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
    with store.writer() as w:
        w.write(b"x")
    assert w.info is not None
    assert store.local_path(w.info.sha256) is not None


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
