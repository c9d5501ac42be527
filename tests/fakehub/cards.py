"""README.md front matter (YAML between `---` lines), parsed like the Hub builds `cardData`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

FENCE = "---"


def split_card(text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter as a dict, markdown body). Invalid or missing YAML gives an empty dict."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].strip() == FENCE:
            front = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            try:
                loaded = yaml.safe_load(front)
            except yaml.YAMLError:
                return {}, body
            return (jsonable(loaded) if isinstance(loaded, dict) else {}), body
    return {}, text


def render_card(card_data: Mapping[str, Any], body: str) -> str:
    """Compose a README.md the way huggingface_hub writes one."""
    if not card_data:
        return body
    front = yaml.safe_dump(dict(card_data), sort_keys=False, allow_unicode=True)
    return f"{FENCE}\n{front}{FENCE}\n\n{body.lstrip()}"


def jsonable(value: Any) -> Any:
    """YAML may produce dates and non-string keys: turn them into what the Hub's JSON would hold."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
