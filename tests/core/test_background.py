"""Process-wide background workers: made once on first use, closed and remade after a reset."""

from __future__ import annotations

from package.core.background import ProcessWide


def test_made_once_closed_on_reset_and_made_again():
    made: list[list[str]] = []
    closed: list[list[str]] = []

    def create() -> list[str]:
        made.append([f"worker-{len(made)}"])
        return made[-1]

    holder = ProcessWide(create, closed.append)
    assert not holder.exists()
    first = holder.get()
    assert holder.get() is first and holder.exists()
    holder.reset()
    assert closed == [first] and not holder.exists()
    assert holder.get() is not first
    assert len(made) == 2


def test_reset_without_a_worker_closes_nothing():
    closed: list[object] = []
    ProcessWide(object, closed.append).reset()
    assert closed == []
