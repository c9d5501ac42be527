"""What the domains trust the gateway with (issue 13): only it is reachable, and it names the client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from package.core.security_settings import SecuritySettings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_the_gateway_overwrites_the_forwarded_chain_with_the_address_it_saw():
    routes = (ROOT / "backend" / "gateway" / "routes.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in routes
    assert "$proxy_add_x_forwarded_for" not in routes  # would keep a chain the client wrote


def test_only_the_gateway_publishes_a_port_and_domains_trust_only_private_networks():
    services = _compose()["services"]
    deployed = {name: s for name, s in services.items() if not s.get("profiles")}  # not the local emulator
    assert [name for name, service in deployed.items() if service.get("ports")] == ["gateway"]
    for name, service in deployed.items():
        if name == "gateway":
            continue
        proxies = service["environment"]["REGISTRY_TRUSTED_PROXIES"]
        assert all(network.is_private for network in SecuritySettings(trusted_proxies=proxies).proxy_networks)


def test_the_image_leaves_forwarded_headers_to_the_app():
    dockerfile = (ROOT / "backend" / "Dockerfile").read_text()
    assert "--no-proxy-headers" in dockerfile and "--forwarded-allow-ips" not in dockerfile
