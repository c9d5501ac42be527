"""Hooks domains register at app build time, so core can notify them without importing them."""

from __future__ import annotations

from collections.abc import Callable

from package.core.storage import Storage

ResetHook = Callable[[Storage], None]
_reset_hooks: list[ResetHook] = []


def on_reset(hook: ResetHook) -> None:
    """Run `hook` after every registry reset (e.g. to restore a default account)."""
    if hook not in _reset_hooks:
        _reset_hooks.append(hook)


def run_reset_hooks(storage: Storage) -> None:
    """Let every domain restore its defaults after a reset."""
    for hook in list(_reset_hooks):
        hook(storage)
