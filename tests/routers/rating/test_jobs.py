"""The rating pipeline's background jobs (package/routers/rating/jobs.py): paced submission, held stores."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import cast

from package.routers.rating.interface import RatingReport
from package.routers.rating.jobs import RatingPipeline

Jobs = list[tuple[Callable[[], None], str]]


def _counting_jobs(count: int, gate: threading.Event) -> tuple[Jobs, dict[str, int]]:
    """Jobs that wait for `gate`, counting how many ran."""
    seen = {"ran": 0}
    lock = threading.Lock()

    def job() -> None:
        gate.wait(10)
        with lock:
            seen["ran"] += 1

    return [(job, f"job {i}") for i in range(count)], seen


def test_paced_jobs_are_handed_to_the_pool_a_window_at_a_time_and_waited_for_together() -> None:
    pipeline = RatingPipeline(workers=2)
    gate = threading.Event()
    jobs, seen = _counting_jobs(50, gate)
    pipeline.submit_paced(jobs, window=4)
    time.sleep(0.3)  # the feeder stops at the window while the first jobs wait for the gate
    assert pipeline._executor._work_queue.qsize() <= 4 - 2  # two running, at most two waiting in the pool
    assert pipeline.stats().queue_depth + pipeline.stats().running == 50  # every job counted from the start
    assert not pipeline.wait_idle(0.1)
    gate.set()
    assert pipeline.wait_idle(10)
    assert seen["ran"] == 50
    pipeline.shutdown(wait=True)


def test_a_shut_down_pool_drops_the_jobs_not_yet_handed_over() -> None:
    pipeline = RatingPipeline(workers=1)
    gate = threading.Event()
    jobs, seen = _counting_jobs(20, gate)
    pipeline.submit_paced(jobs, window=2)
    time.sleep(0.2)
    pipeline.shutdown(wait=False)
    gate.set()
    deadline = time.monotonic() + 10
    while any(t.name == "rating-resume-feed" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "rating-resume-feed" for t in threading.enumerate())  # the feeder gave up
    assert seen["ran"] < 20


def test_no_jobs_start_nothing() -> None:
    pipeline = RatingPipeline(workers=1)
    pipeline.submit_paced([], window=4)
    assert pipeline.wait_idle(0.1)
    pipeline.shutdown(wait=True)


def test_a_rating_answered_inside_stores_after_is_stored_when_the_block_ends() -> None:
    pipeline = RatingPipeline(workers=1)
    stored: list[str] = []
    report = cast(RatingReport, object())
    try:
        with pipeline.stores_after():
            answer = pipeline.compute(
                "m1", lambda epoch: report, store=lambda r, e: stored.append("m1"), later=True
            )
            assert answer is report
            time.sleep(0.05)
            assert stored == []  # held: the rest of the request runs without the store competing
            assert pipeline.stats().queue_depth == 1  # but counted: readers of stored ratings wait for it
        assert pipeline.wait_stored(5)
        assert stored == ["m1"]
        with pipeline.stores_after():
            pipeline.compute("m2", lambda epoch: report, store=lambda r, e: stored.append("m2"), later=True)
            assert pipeline.wait_stored(5)  # a reader in the same block gets its own store first
            assert stored == ["m1", "m2"]
    finally:
        pipeline.shutdown(wait=True)
