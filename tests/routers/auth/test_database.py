"""The auth domain's storage: accounts are created once, listed, re-hashed only when unchanged, deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from package.core.storage import ConditionFailed
from package.routers.auth import database
from package.routers.auth.interface import StoredUser
from tests.helpers import embedded_storage


def user(name: str, generation: str = "g1") -> StoredUser:
    return StoredUser(
        name=name,
        password_hash="hash-1",
        is_admin=False,
        permissions=[],
        generation=generation,
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )


def test_create_get_list_delete(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.create_user(storage, user("ann"))
    with pytest.raises(ConditionFailed):
        database.create_user(storage, user("ann", "g2"))
    assert database.get_user(storage, "ann") == user("ann")
    assert [u.name for u in database.list_users(storage)] == ["ann"]
    database.delete_user(storage, "ann")
    assert database.get_user(storage, "ann") is None
    with pytest.raises(ConditionFailed):
        database.delete_user(storage, "ann")


def test_rehash_only_when_the_account_is_unchanged(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    database.create_user(storage, user("bob"))
    database.replace_password_hash(storage, user("bob"), "hash-2")
    stored = database.get_user(storage, "bob")
    assert stored is not None and stored.password_hash == "hash-2"
    with pytest.raises(ConditionFailed):
        database.replace_password_hash(storage, user("bob", "another-generation"), "hash-3")


def test_over_long_names_are_never_looked_up(tmp_path: Path):
    assert database.get_user(embedded_storage(tmp_path), "x" * 300) is None


def test_login_failures_count_and_are_forgotten(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    assert database.add_login_failure(storage, "name", "ann", 10.0) == 1
    assert database.add_login_failure(storage, "name", "ann", 20.0) == 2
    assert database.login_failures(storage, "name", "ann") == (2, 20.0)
    database.forget_login_failures(storage, "name", "ann")
    assert database.login_failures(storage, "name", "ann")[0] == 0
