"""Hooks domains register at app build time, so one domain can react to another without importing it.

core imports no domain; a domain registers its hooks from its `services.register_hooks()`, which
`package.assembly.install_hooks()` calls for every domain (main.py and the rating CLI both use it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from package.core.storage import Storage

logger = logging.getLogger("registry.events")


class ArtifactEvent(StrEnum):
    """What happened to an artifact."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class ArtifactChange:
    """An artifact event and what the emitter already holds, so a listener need not read it back.

    `subject` is the artifacts domain's `ArtifactDetails` as just written (None for a deletion); core cannot
    name that type, so listeners read it through `artifact_services.changed_details(change)`.
    """

    event: ArtifactEvent
    artifact_id: str
    subject: object | None = None


ResetHook = Callable[[Storage], None]
ArtifactHook = Callable[[ArtifactEvent, str], None]
ChangeHook = Callable[[ArtifactChange], None]
IngestGate = Callable[[str], None]
ChangeGate = Callable[[ArtifactChange], None]


class FileWatcher(Protocol):
    """Sees the bytes of one artifact file as they pass (to be copied or sent), e.g. to scan them."""

    def write(self, chunk: bytes) -> None:
        """The next chunk of the file."""

    def finish(self, complete: bool) -> None:
        """The stream ended: with every byte (`complete`) or broken off."""


# (artifact_id, its generation, path in the artifact, size the manifest states) -> a watcher, or None
FileWatcherFactory = Callable[[str, str, str, int], FileWatcher | None]
# (artifact_id, path or None for the whole bundle); raises a RegistryError to refuse the download
DownloadGuard = Callable[[str, str | None], None]

_reset_hooks: list[ResetHook] = []
_artifact_hooks: list[ArtifactHook] = []
_change_hooks: list[ChangeHook] = []
_ingest_gates: list[IngestGate] = []
_change_gates: list[ChangeGate] = []
_file_watchers: list[FileWatcherFactory] = []
_download_guards: list[DownloadGuard] = []
_guard_reads: dict[DownloadGuard, Callable[[], bool]] = {}


def on_reset(hook: ResetHook) -> None:
    """Run `hook` after every registry reset (e.g. to restore a default account)."""
    if hook not in _reset_hooks:
        _reset_hooks.append(hook)


def run_reset_hooks(storage: Storage) -> None:
    """Let every domain restore its defaults after a reset."""
    for hook in list(_reset_hooks):
        hook(storage)


def on_artifact_event(hook: ArtifactHook) -> None:
    """Call `hook(event, artifact_id)` after an artifact is created, updated or deleted."""
    if hook not in _artifact_hooks:
        _artifact_hooks.append(hook)


def on_artifact_change(hook: ChangeHook) -> None:
    """Call `hook(change)` after an artifact is created, updated or deleted, with what was written."""
    if hook not in _change_hooks:
        _change_hooks.append(hook)


def emit_artifact_event(event: ArtifactEvent, artifact_id: str, subject: object | None = None) -> None:
    """Tell every subscriber; a failing subscriber is logged, never undoes the change."""
    change = ArtifactChange(event, artifact_id, subject)
    for hook in list(_artifact_hooks):
        _guarded(change, hook, event, artifact_id)
    for change_hook in list(_change_hooks):
        _guarded(change, change_hook, change)


def _guarded(change: ArtifactChange, hook: Callable[..., None], *args: object) -> None:
    try:
        hook(*args)
    except Exception:  # one domain's hook must not break another's request
        logger.exception(
            "artifact hook failed", extra={"event": change.event.value, "artifact_id": change.artifact_id}
        )


def add_ingest_gate(gate: IngestGate) -> None:
    """Run `gate(artifact_id)` after a registration is stored and before it is answered.

    A gate that raises a RegistryError refuses the artifact: the registration is removed, the error answered.
    """
    if gate not in _ingest_gates:
        _ingest_gates.append(gate)


def add_change_gate(gate: ChangeGate) -> None:
    """Like `add_ingest_gate`, but `gate(change)` gets what was written (a CREATED change): no read-back."""
    if gate not in _change_gates:
        _change_gates.append(gate)


def run_ingest_gates(artifact_id: str, subject: object | None = None) -> None:
    """Apply every gate to a freshly stored artifact (`subject`: its details as written, for change gates)."""
    for gate in list(_ingest_gates):
        gate(artifact_id)
    change = ArtifactChange(ArtifactEvent.CREATED, artifact_id, subject)
    for change_gate in list(_change_gates):
        change_gate(change)


def add_file_watcher(factory: FileWatcherFactory) -> None:
    """Let `factory(artifact_id, generation, path, size)` watch every artifact file streamed from upstream."""
    if factory not in _file_watchers:
        _file_watchers.append(factory)


def watch_file(
    artifact_id: str, generation: str, path: str, size: int, chunks: Iterable[bytes]
) -> Iterator[bytes]:
    """Pass a file's chunks through every watcher; a failing watcher is dropped, never breaks the stream."""
    watchers = []
    for factory in list(_file_watchers):
        try:
            watcher = factory(artifact_id, generation, path, size)
        except Exception:  # one domain's watcher must not break a download or a mirror
            logger.exception("file watcher failed to start", extra={"artifact_id": artifact_id, "path": path})
            continue
        if watcher is not None:
            watchers.append(watcher)
    complete = False
    try:
        for chunk in chunks:
            for watcher in list(watchers):
                try:
                    watcher.write(chunk)
                except Exception:
                    logger.exception("file watcher failed", extra={"artifact_id": artifact_id, "path": path})
                    watchers.remove(watcher)
                    watcher.finish(False)
            yield chunk
        complete = True
    finally:
        for watcher in watchers:
            try:
                watcher.finish(complete)
            except Exception:
                logger.exception("file watcher failed", extra={"artifact_id": artifact_id, "path": path})


def add_download_guard(guard: DownloadGuard, *, reads: Callable[[], bool] | None = None) -> None:
    """Run `guard(artifact_id, path)` before any download is served; it raises a RegistryError to refuse.

    `reads()` answers whether the guard reads storage under the current settings (none: it never does): a
    download whose guards read is decided off the event loop (artifacts' download route)."""
    if guard not in _download_guards:
        _download_guards.append(guard)
    if reads is not None:
        _guard_reads[guard] = reads


def download_guards_read() -> bool:
    """Whether any download guard reads storage under the current settings."""
    return any(reads() for reads in list(_guard_reads.values()))


def run_download_guards(artifact_id: str, path: str | None) -> None:
    """Apply every download guard (a refusal propagates as the guard's error)."""
    for guard in list(_download_guards):
        guard(artifact_id, path)


def clear_hooks() -> None:
    """Forget every registered hook (an app build starts from none)."""
    _reset_hooks.clear()
    _artifact_hooks.clear()
    _change_hooks.clear()
    _ingest_gates.clear()
    _change_gates.clear()
    _file_watchers.clear()
    _download_guards.clear()
    _guard_reads.clear()
