"""Leases in storage: one process of many holds a duty while it lives (e.g. resuming left-over work).

Several server processes share one storage (`make run` starts one worker per core; containers scale out). Work
that exactly one of them must do is a lease: an item naming its owner and until when it holds, taken with a
conditional write, renewed by its owner's keeper thread, released at a clean shutdown. An owner that died
holds it no longer than `seconds`; on the same host a dead owner's lease is taken over at once.

Items this module owns (partition key / sort key):
  LEASE / <name>    {"owner": "<host>:<pid>", "until": epoch seconds}
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from package.core.storage import Check, ConditionFailed, Delete, Put, Storage

logger = logging.getLogger("registry.leases")
_PK = "LEASE"


def owner_id() -> str:
    """This process, as a lease owner (read at each call: a forked worker is another owner)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str) -> bool:
    """Whether the owner is a process of this host that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


def take(
    storage: Storage, name: str, *, seconds: float, now: float | None = None, owner: str | None = None
) -> bool:
    """Take or renew the lease `name` for this process (or `owner`); False while another live one holds it."""
    moment = time.time() if now is None else now
    mine = {"owner": owner or owner_id(), "until": moment + seconds}
    try:
        storage.records.put(_PK, name, mine, if_absent=True)
        return True
    except ConditionFailed:
        pass
    held = storage.records.get(_PK, name)
    if held is not None:
        owner = str(held.get("owner", ""))
        live = float(held.get("until", 0)) > moment and not _owner_gone(owner)
        if owner != mine["owner"] and live:
            return False
    expected = Check(_PK, name, equals=dict(held)) if held else Check(_PK, name, exists=False)
    try:
        storage.records.transact([expected, Put(_PK, name, mine)])
    except ConditionFailed:  # another process took it first
        return False
    return True


def release(storage: Storage, name: str, *, owner: str | None = None) -> None:
    """Give the lease up if this process (or `owner`) holds it."""
    with contextlib.suppress(ConditionFailed):  # not ours (any more): nothing to give up
        storage.records.transact([Check(_PK, name, equals={"owner": owner or owner_id()}), Delete(_PK, name)])


def holder(storage: Storage, name: str) -> str | None:
    """The owner of a live lease `name`, or None."""
    held = storage.records.get(_PK, name)
    if held is None or float(held.get("until", 0)) <= time.time():
        return None
    return str(held.get("owner"))


class Duty:
    """A lease one process holds while it lives; whoever takes it (at start, or from the dead) runs `task`."""

    def __init__(
        self,
        storage: Callable[[], Storage],
        name: str,
        task: Callable[[], object],
        *,
        seconds: float = 15.0,
        owner: str | None = None,
    ) -> None:
        self.owner = owner or owner_id()
        self._open_storage = storage
        self._bound: Storage | None = None
        self.name = name
        self._task = task
        self.seconds = seconds
        self.held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Take the duty now if free (and run the task); then renew it, or keep trying, in the background."""
        self._attempt()
        self._thread = threading.Thread(target=self._keep, name=f"lease-{self.name}", daemon=True)
        self._thread.start()
        return self.held

    def _storage(self) -> Storage:
        # Bound once: the storage of the app that started the duty, whatever is opened later (tests).
        if self._bound is None:
            self._bound = self._open_storage()
        return self._bound

    def _attempt(self) -> None:
        try:
            taken = take(self._storage(), self.name, seconds=self.seconds, owner=self.owner)
        except Exception as exc:  # storage briefly down: the keeper tries again
            logger.warning("lease %s: %s", self.name, exc)
            return
        if taken and not self.held:
            self.held = True
            logger.info("lease taken", extra={"lease": self.name, "owner": self.owner})
            self._task()
        elif not taken and self.held:
            self.held = False  # stalled past its time: another process holds the duty now
            logger.warning("lease lost", extra={"lease": self.name, "owner": self.owner})

    def _keep(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            self._attempt()

    def stop(self) -> None:
        """Stop renewing and give the duty up (a clean shutdown), so the next process takes it at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.held:
            self.held = False
            try:
                release(self._storage(), self.name, owner=self.owner)
            except Exception as exc:  # it expires on its own
                logger.warning("lease %s not released: %s", self.name, exc)
