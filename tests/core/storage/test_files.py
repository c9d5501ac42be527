"""The embedded blob driver after a crash: temp files of killed writes are swept at start (issue 13)."""

from __future__ import annotations

import os


def test_temp_files_of_killed_writes_are_swept_at_start(tmp_path):
    import time

    from package.core.storage.files import STALE_TEMP_SECONDS, FileBlobStore

    FileBlobStore(tmp_path)
    old, fresh = tmp_path / "tmp" / "blob-old", tmp_path / "tmp" / "blob-fresh"
    old.write_bytes(b"half a blob")
    fresh.write_bytes(b"a write in progress elsewhere")
    stamp = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(old, (stamp, stamp))
    FileBlobStore(tmp_path)
    assert not old.exists() and fresh.exists()
