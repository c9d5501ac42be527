"""Zip bundles: stored entries, streamed, byte-identical for identical content."""

from __future__ import annotations

import io
import zipfile

from package.routers.artifacts.bundle import stream_zip


def _zip(entries):
    return b"".join(stream_zip(entries))


def test_entries_are_stored_uncompressed_and_readable():
    weights = bytes(range(256)) * 4096
    data = _zip(
        [("config.json", 2, [b"{}"]), ("weights/model.bin", len(weights), [weights[:1000], weights[1000:]])]
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert archive.namelist() == ["config.json", "weights/model.bin"]
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    assert archive.read("weights/model.bin") == weights


def test_same_content_gives_same_bytes():
    entries = [("a.txt", 3, [b"abc"]), ("empty", 0, [])]
    assert _zip(entries) == _zip([("a.txt", 3, [b"abc"]), ("empty", 0, [])])
    assert zipfile.ZipFile(io.BytesIO(_zip(entries))).read("empty") == b""


def test_streams_before_all_input_is_read():
    consumed: list[int] = []

    def chunks():
        for i in range(5):
            consumed.append(i)
            yield b"x" * 1000

    stream = stream_zip([("big", 5000, chunks())])
    next(stream)
    assert len(consumed) < 5
