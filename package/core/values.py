"""Small readers of untrusted metadata values (model cards, upstream JSON), shared by every domain."""

from __future__ import annotations


def string_list(value: object) -> list[str]:
    """A metadata value as a list of strings: one string, or the strings of a list (anything else dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []
