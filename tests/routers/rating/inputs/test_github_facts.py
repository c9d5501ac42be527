"""`once_per_key`: one fetch per key for concurrent callers, and nothing kept per key once they are done."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from package.routers.rating.inputs import github_facts
from package.routers.rating.inputs.github_facts import once_per_key


def test_concurrent_callers_share_one_fetch_and_leave_no_lock_behind() -> None:
    cache: dict[str, int] = {}
    fetches: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def fetch() -> int:
        fetches.append("x")
        started.set()
        release.wait(10)
        cache["x"] = 42
        return 42

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [pool.submit(once_per_key, "repo|x", lambda: cache.get("x"), fetch) for _ in range(8)]
        assert started.wait(10)
        assert "repo|x" in github_facts._key_locks  # the callers wait on the key's lock
        release.set()
        assert [r.result(timeout=10) for r in results] == [42] * 8
    assert fetches == ["x"]
    assert github_facts._key_locks == {}


def test_a_failed_fetch_releases_the_key() -> None:
    def fetch() -> int:
        raise RuntimeError("upstream down")

    for _ in range(3):
        with pytest.raises(RuntimeError):
            once_per_key("repo|down", lambda: None, fetch)
    assert github_facts._key_locks == {}
    assert once_per_key("repo|down", lambda: None, lambda: 7) == 7


def test_many_keys_keep_nothing() -> None:
    for number in range(500):
        assert once_per_key(f"repo|r{number}", lambda: None, lambda: 1) == 1
    assert github_facts._key_locks == {}
