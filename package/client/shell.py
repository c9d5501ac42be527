"""What every `registry` command shares: the chosen registry, `--json`, and errors turned into exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from package.client import config, render
from package.client.api import RegistryClient
from package.client.errors import ClientError

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
T = TypeVar("T")
state: dict[str, str | None] = {"url": None, "token": None}
"""`--url` and `--token` of this invocation."""


def client() -> RegistryClient:
    """A client for the chosen registry and token."""
    login = config.current(state["url"], state["token"])
    return RegistryClient(login.url, login.token)


def run(as_json: bool, action: Callable[[RegistryClient], T], show: Callable[[T], None]) -> None:
    """Do one operation; print it (`show`, or JSON); turn a failure into its message and exit code."""
    try:
        with client() as registry:
            result = action(registry)
    except ClientError as exc:
        if as_json:
            render.emit_json({"error": exc.message, "status": exc.status})
        else:
            render.errors.print(f"[red]error[/red]: {exc.message}", markup=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        render.emit_json(result)
    else:
        show(result)
