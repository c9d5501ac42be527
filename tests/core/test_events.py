"""Core events: artifact hooks carry what was written and never fail the emitter; file watchers and
download guards let one domain see another's streams without importing it."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import cast

import pytest

from package.core import events
from package.core.errors import Forbidden
from package.core.events import ArtifactChange, ArtifactEvent


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.seen = b""
        self.finished: bool | None = None
        self.fail = fail

    def write(self, chunk: bytes) -> None:
        if self.fail:
            raise RuntimeError("watcher broke")
        self.seen += chunk

    def finish(self, complete: bool) -> None:
        self.finished = complete


@pytest.fixture(autouse=True)
def no_hooks() -> Iterator[None]:
    events.clear_hooks()
    yield
    events.clear_hooks()


def test_watchers_see_every_chunk_and_the_end():
    recorder = Recorder()
    events.add_file_watcher(lambda artifact_id, generation, path, size: recorder if path == "a.bin" else None)
    assert list(events.watch_file("id", "gen", "a.bin", 6, [b"abc", b"def"])) == [b"abc", b"def"]
    assert recorder.seen == b"abcdef" and recorder.finished is True
    assert list(events.watch_file("id", "gen", "other", 1, [b"x"])) == [b"x"]  # a factory may decline


def test_a_broken_off_stream_is_not_complete():
    recorder = Recorder()
    events.add_file_watcher(lambda *_: recorder)
    stream = cast(
        "Generator[bytes, None, None]", events.watch_file("id", "gen", "a", 6, iter([b"abc", b"def"]))
    )
    assert next(stream) == b"abc"
    stream.close()  # the client went away
    assert recorder.finished is False


def test_a_failing_watcher_never_breaks_the_stream():
    broken, good = Recorder(fail=True), Recorder()
    events.add_file_watcher(lambda *_: broken)
    events.add_file_watcher(lambda *_: good)

    def failing_factory(*_: object) -> None:
        raise RuntimeError("factory broke")

    events.add_file_watcher(failing_factory)
    assert b"".join(events.watch_file("id", "gen", "a", 2, [b"a", b"b"])) == b"ab"
    assert broken.finished is False and good.seen == b"ab" and good.finished is True


def test_download_guards_refuse_by_raising():
    def guard(artifact_id: str, path: str | None) -> None:
        if path == "evil.bin":
            raise Forbidden("held back")

    events.add_download_guard(guard)
    events.run_download_guards("id", "ok.bin")
    with pytest.raises(Forbidden):
        events.run_download_guards("id", "evil.bin")


def test_guards_say_whether_they_read_storage_under_the_current_settings():
    reading = {"now": False}
    events.add_download_guard(lambda artifact_id, path: None)  # never reads
    assert events.download_guards_read() is False
    events.add_download_guard(lambda artifact_id, path: None, reads=lambda: reading["now"])
    assert events.download_guards_read() is False
    reading["now"] = True
    assert events.download_guards_read() is True
    events.clear_hooks()
    assert events.download_guards_read() is False


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


def test_change_gates_get_what_was_written_and_can_refuse() -> None:
    events.clear_hooks()
    seen: list[ArtifactChange] = []

    def refuse(change: ArtifactChange) -> None:
        seen.append(change)
        raise Forbidden("refused")

    events.add_change_gate(seen.append)
    events.add_change_gate(seen.append)  # once only
    events.run_ingest_gates("a1", {"written": True})
    assert seen == [ArtifactChange(ArtifactEvent.CREATED, "a1", {"written": True})]
    events.add_change_gate(refuse)
    with pytest.raises(Forbidden):
        events.run_ingest_gates("a2")
    events.clear_hooks()
    events.run_ingest_gates("a3")
    assert [change.artifact_id for change in seen] == ["a1", "a2", "a2"]
