"""The server and the rating CLI assemble the same event subscriptions from every domain."""

from __future__ import annotations

from package.assembly import install_hooks, routed_domains
from package.core import events
from package.core.config import ALL_DOMAINS


def test_routed_domains_keep_the_order_asked_for():
    assert routed_domains(["health", "artifacts"]) == ["health", "artifacts"]


def test_every_domain_subscribes_whatever_is_mounted(registry_env):
    install_hooks()
    subscribers = {hook.__module__ for hook in events._change_hooks}
    assert {"package.routers.lineage.services", "package.routers.rating.services"} <= subscribers
    gates = {gate.__module__ for gate in events._change_gates}
    assert "package.routers.rating.services" in gates, "the rating gate (the spec's 424) is installed"
    assert events._reset_hooks, "a reset restores the token secret and the default admin"
    assert set(routed_domains(ALL_DOMAINS)) >= {"artifacts", "rating", "lineage"}


def test_installing_twice_does_not_double_subscribe(registry_env):
    install_hooks()
    first = (
        len(events._change_hooks),
        len(events._ingest_gates),
        len(events._change_gates),
        len(events._reset_hooks),
    )
    install_hooks()
    again = (
        len(events._change_hooks),
        len(events._ingest_gates),
        len(events._change_gates),
        len(events._reset_hooks),
    )
    assert again == first
