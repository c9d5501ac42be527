"""The CLI against a live registry on the fake hub: invoke it like a shell would, read its JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from package.client.cli import app
from tests.live_registry import Live, live_registry


@dataclass
class Outcome:
    """What one CLI run printed and how it exited."""

    exit_code: int
    output: str

    @property
    def json(self) -> Any:
        """The JSON the command printed."""
        return json.loads(self.output)


@pytest.fixture
def live(registry_env, monkeypatch) -> Iterator[Live]:
    """A registry over HTTP (the first download of a model.safetensors loses its connection at 3 MB)."""
    with live_registry({}, monkeypatch, ("/model.safetensors", 3 * 1024 * 1024)) as running:
        yield running


@pytest.fixture
def cli(live, tmp_path: Path) -> Callable[..., Outcome]:
    """Run `registry ARGS...` against the live registry as the admin (REGISTRY_URL and REGISTRY_TOKEN)."""
    runner = CliRunner()
    base_env = {
        "REGISTRY_URL": live.url,
        "REGISTRY_TOKEN": str(live.admin.headers["X-Authorization"]),  # `bearer <JWT>`, as login returns it
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "REGISTRY_CONFIG": "",
        "COLUMNS": "200",
    }

    def run(*args: str, env: dict[str, str | None] | None = None) -> Outcome:
        result = runner.invoke(app, list(args), env=base_env | (env or {}), catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout)

    return run
