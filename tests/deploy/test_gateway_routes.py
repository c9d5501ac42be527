"""Every route of every domain reaches, through the gateway's route file, the container that serves it.

nginx picks a location as documented: an exact (`=`) match wins; else regex locations in file order, the first
match winning; else the longest prefix. This test applies that rule to a sample path of every route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from package.core.config import ALL_DOMAINS

ROUTES = Path(__file__).resolve().parents[2] / "backend" / "gateway" / "routes.conf"
LOCATION = re.compile(r"^location\s+(=|~)?\s*(\S+)\s*\{.*?proxy_pass http://(\w+);", re.M | re.S)


def _locations() -> list[tuple[str, str, str]]:
    text = re.sub(r"#.*", "", ROUTES.read_text())
    blocks = re.findall(r"location\s+[^{]+\{[^}]*\}", text)
    found = []
    for block in blocks:
        match = LOCATION.match(block)
        if match:  # internal locations (no proxy_pass) serve no route
            found.append((match.group(1) or "", match.group(2), match.group(3)))
    return found


def upstream_for(path: str) -> str:
    """The upstream nginx sends `path` to."""
    locations = _locations()
    for kind, pattern, upstream in locations:
        if kind == "=" and path == pattern:
            return upstream
    for kind, pattern, upstream in locations:
        if kind == "~" and re.search(pattern, path):
            return upstream
    prefixes = [
        (pattern, upstream)
        for kind, pattern, upstream in locations
        if kind == "" and path.startswith(pattern)
    ]
    return max(prefixes, key=lambda p: len(p[0]))[1]


def _sample(path: str) -> str:
    values = {
        "artifact_type": "model",
        "id": "3847247294",
        "name": "bert-base-uncased",
        "path": "config.json",
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def _route_paths(routes: Iterable[Any]) -> set[str]:
    """Paths of every API route, included routers' routes too."""
    found: set[str] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            found.add(route.path)
        elif hasattr(route, "original_router"):  # FastAPI keeps an included router as one entry
            found |= _route_paths(route.original_router.routes)
    return found


@pytest.mark.parametrize("domain", ALL_DOMAINS)
def test_each_route_goes_to_its_domain(registry_env, domain):
    from main import create_app

    app = create_app([domain])
    every_container = _route_paths(create_app([]).routes)
    pages = _route_paths(app.routes)  # web pages are not in the schema
    paths = [p for p in {*app.openapi()["paths"], *pages} if p != "/metrics" and p not in every_container]
    assert paths, f"{domain} has no routes"
    wrong = {p: upstream_for(_sample(p)) for p in paths if upstream_for(_sample(p)) != domain}
    assert wrong == {}


def test_the_download_benchmark_routes_reach_the_health_container(registry_env):
    from main import create_app

    paths = set(create_app(["health"]).openapi()["paths"])
    assert {"/health/download-benchmark", "/health/download-benchmark/{job_id}"} <= paths
    for path in paths - {"/metrics"}:
        if path.startswith("/health/download-benchmark"):
            assert upstream_for(_sample(path)) == "health", path
