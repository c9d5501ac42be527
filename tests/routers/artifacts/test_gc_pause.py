"""The collector pause: off inside, back on after the last overlapping pause, left off if it was off."""

from __future__ import annotations

import gc
import threading

import pytest

from package.routers.artifacts import regex_query
from package.routers.artifacts.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_on() -> None:
    gc.enable()


def test_off_inside_and_on_after_even_when_the_block_raises():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_overlapping_pauses_resume_at_the_last_end():
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second search is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_threads_pausing_at_once_leave_it_on():
    barrier = threading.Barrier(8)

    def search() -> None:
        with gc_paused():
            barrier.wait(timeout=10)

    threads = [threading.Thread(target=search) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_a_search_pauses_the_collector_while_it_reads(monkeypatch, tmp_path):
    from package.core.config import Settings
    from package.core.storage import open_storage
    from package.routers.artifacts import database
    from tests.helpers import make_record

    storage = open_storage(Settings(data_dir=tmp_path))
    database.index_texts(storage)
    database.create(storage, make_record("a1", "org/bert"), {"files": []}, "a bert model")
    seen: list[bool] = []
    verify = regex_query._verify

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return verify(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(regex_query, "_verify", watched)
    assert [m.id for m in regex_query.by_regex(storage, Settings(), pattern="bert")] == ["a1"]
    assert seen == [False] and gc.isenabled()
