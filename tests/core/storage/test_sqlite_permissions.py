"""The SQLite file holds the token signing secret and password hashes: owner-only (issue 13)."""

from __future__ import annotations

import os
import stat

from package.core.storage.sqlite import SqliteRecordStore


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_database_files_are_owner_only(tmp_path):
    path = tmp_path / "data" / "registry.sqlite3"
    store = SqliteRecordStore(path)
    store.put("AUTH_SECRET", "jwt", {"secret": "s" * 43})
    assert _mode(path) == 0o600
    wal = tmp_path / "data" / "registry.sqlite3-wal"
    if wal.exists():
        assert _mode(wal) == 0o600


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "registry.sqlite3"
    SqliteRecordStore(path)
    os.chmod(path, 0o644)
    SqliteRecordStore(path)
    assert _mode(path) == 0o600
