"""Where the CLI finds the registry and the token: REGISTRY_URL / REGISTRY_TOKEN, else what `login` saved."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"


def config_file() -> Path:
    """The file `login` writes (0600): $REGISTRY_CONFIG, else $XDG_CONFIG_HOME/registry/login.json."""
    explicit = os.environ.get("REGISTRY_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "registry" / "login.json"


@dataclass(frozen=True)
class Login:
    """The registry to talk to and the token to send."""

    url: str
    token: str | None


def _saved() -> dict[str, str]:
    try:
        data = json.loads(config_file().read_text())
    except (OSError, ValueError):
        return {}
    return (
        {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(data, dict)
        else {}
    )


def current(url: str | None = None, token: str | None = None) -> Login:
    """Options first, then the environment, then the saved login."""
    saved = _saved()
    chosen_url = url or os.environ.get("REGISTRY_URL") or saved.get("url") or DEFAULT_URL
    chosen_token = token or os.environ.get("REGISTRY_TOKEN") or saved.get("token")
    return Login(chosen_url.rstrip("/"), chosen_token)


def save(login: Login) -> Path:
    """Keep the login for later commands, readable by the user only."""
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"url": login.url, "token": login.token or ""}, out)
    path.chmod(0o600)
    return path


def forget() -> bool:
    """Remove the saved login; whether there was one."""
    try:
        config_file().unlink()
    except FileNotFoundError:
        return False
    return True
