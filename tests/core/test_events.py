"""Artifact events reach both kinds of subscribers, carry what was written, and never fail the emitter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from package.core import events
from package.core.events import ArtifactChange, ArtifactEvent


@pytest.fixture(autouse=True)
def no_hooks() -> Iterator[None]:
    events.clear_hooks()
    yield
    events.clear_hooks()


def test_change_hooks_get_the_subject_and_plain_hooks_the_id():
    seen: list[object] = []
    events.on_artifact_event(lambda event, artifact_id: seen.append((event, artifact_id)))
    events.on_artifact_change(seen.append)
    events.emit_artifact_event(ArtifactEvent.CREATED, "a1", {"written": True})
    assert seen == [
        (ArtifactEvent.CREATED, "a1"),
        ArtifactChange(ArtifactEvent.CREATED, "a1", {"written": True}),
    ]


def test_a_failing_hook_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture):
    seen: list[ArtifactChange] = []

    def broken(change: ArtifactChange) -> None:
        raise RuntimeError("boom")

    events.on_artifact_change(broken)
    events.on_artifact_change(seen.append)
    events.emit_artifact_event(ArtifactEvent.DELETED, "a2")
    assert [c.artifact_id for c in seen] == ["a2"]
    assert "artifact hook failed" in caplog.text


def test_a_hook_subscribes_once():
    seen: list[ArtifactChange] = []
    events.on_artifact_change(seen.append)
    events.on_artifact_change(seen.append)
    events.emit_artifact_event(ArtifactEvent.UPDATED, "a3")
    assert len(seen) == 1
