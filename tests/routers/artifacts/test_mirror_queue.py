"""The mirror queue keeps only the jobs still under way: what it holds follows the work, not the registry."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from package.routers.artifacts import mirror


@pytest.fixture
def gated(client: Any, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Mirror jobs that finish when the returned event is set."""
    release = threading.Event()

    def job(storage: Any, upstreams: Any, artifact_id: str, generation: str, stop: threading.Event) -> None:
        release.wait(10)

    monkeypatch.setattr(mirror, "mirror_artifact", job)
    return release


def _forgotten(queue: mirror.MirrorQueue) -> bool:
    """Whether the queue holds no job (a job's callback runs just after its waiters wake)."""
    deadline = time.monotonic() + 5
    while queue._jobs and time.monotonic() < deadline:
        time.sleep(0.01)
    return not queue._jobs


def test_finished_jobs_are_forgotten(gated: threading.Event) -> None:
    queue = mirror.get_mirror_queue()
    for number in range(20):
        queue.submit(f"a{number}", "g1")
    assert queue.pending() == 20
    gated.set()
    assert queue.wait_idle(timeout=10)
    assert queue.pending() == 0
    assert _forgotten(queue)  # nothing kept per artifact once its copy is done


def test_a_second_submit_while_running_is_one_job(gated: threading.Event) -> None:
    queue = mirror.get_mirror_queue()
    queue.submit("a1", "g1")
    queue.submit("a1", "g1")
    assert queue.pending() == 1
    gated.set()
    assert queue.wait_idle(timeout=10)
    queue.submit("a1", "g2")  # the first copy is done: a new one is queued, and forgotten in its turn
    assert queue.wait_idle(timeout=10)
    assert _forgotten(queue)
