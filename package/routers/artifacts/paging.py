"""Page cursors: the `offset` a listing hands out names the last sort key it read (keyset paging).

A cursor is the url-safe base64 of that sort key, checked strictly on the way back in (a cursor this registry
did not write is a 400, never a storage query). A plain non-negative integer is still accepted, as the spec's
example sends "3": it counts matches to skip from the start, up to MAX_SKIP.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from package.core.errors import BadRequest

MAX_SKIP = 10_000
MAX_CURSOR_CHARS = 200
_CURSOR_CHARS = re.compile(r"[A-Za-z0-9_-]{1,200}")
# <ISO date>#<artifact id> (catalog) or <ISO date>#<20-digit ns>#<hex> (audit log).
_SORT_KEY = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.+Z-]{1,40}#[A-Za-z0-9#-]{1,96}")


@dataclass(frozen=True)
class Position:
    """Where a page starts: after a sort key (None: at the beginning), then skipping `skip` matches."""

    after: str | None = None
    skip: int = 0


def encode_cursor(sort_key: str) -> str:
    """The opaque `offset` that resumes a listing after this sort key."""
    return base64.urlsafe_b64encode(sort_key.encode()).rstrip(b"=").decode()


def parse_position(offset: str | None) -> Position:
    """The position an `offset` names: a cursor this registry wrote, or a count to skip (BadRequest else)."""
    if offset is None or offset == "":
        return Position()
    if offset.isascii() and offset.isdigit():
        if len(offset) > 6 or int(offset) > MAX_SKIP:
            raise BadRequest(
                f"Offset {offset[:20]} skips more than {MAX_SKIP:,} matches; follow the `offset` header."
            )
        return Position(skip=int(offset))
    if len(offset) > MAX_CURSOR_CHARS or not _CURSOR_CHARS.fullmatch(offset):
        raise BadRequest(f"Offset {offset[:40]!r} is not a page cursor this registry wrote.")
    try:
        sort_key = base64.urlsafe_b64decode(offset + "=" * (-len(offset) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Offset {offset[:40]!r} is not a page cursor this registry wrote.") from exc
    if not _SORT_KEY.fullmatch(sort_key):
        raise BadRequest(f"Offset {offset[:40]!r} is not a page cursor this registry wrote.")
    return Position(after=sort_key)
