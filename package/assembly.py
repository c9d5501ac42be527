"""How the registry is put together from its domains: which are present, and their event hooks.

main.py (the server) and the rating CLI assemble the same way through these functions, so a command-line
rating sees the same reactions to registrations (lineage indexing, rating gates) as the server.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from package.core.config import ALL_DOMAINS
from package.core.events import clear_hooks, on_reset
from package.core.tokens import restore_after_reset


def routed_domains(domains: Iterable[str]) -> list[str]:
    """The domains that have routes in this build (a domain without an endpoint module has none yet)."""
    found = []
    for domain in domains:
        try:
            importlib.import_module(f"package.routers.{domain}.endpoint")
        except ModuleNotFoundError as exc:
            if exc.name != f"package.routers.{domain}.endpoint":
                raise
            continue
        found.append(domain)
    return found


def install_hooks() -> None:
    """Forget every hook, then subscribe every domain's (`services.register_hooks()`), whatever is mounted.

    Events are in-process, so the process where an artifact is registered is where its rating gate, background
    rating and lineage indexing must run (their results go to the storage every container shares).
    """
    clear_hooks()
    # A reset clears storage, the generated token secret with it: put it back, whatever domains run here.
    on_reset(restore_after_reset)
    for domain in routed_domains(ALL_DOMAINS):
        services = importlib.import_module(f"package.routers.{domain}.services")
        register_hooks = getattr(services, "register_hooks", None)
        if register_hooks is not None:
            register_hooks()


def resume_background_work() -> None:
    """Let every domain queue the background work a stopped process left in storage."""
    for domain in routed_domains(ALL_DOMAINS):
        services = importlib.import_module(f"package.routers.{domain}.services")
        resume = getattr(services, "resume_background", None)
        if resume is not None:
            resume()
