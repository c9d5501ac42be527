"""A download's conditional request headers, evaluated as RFC 9110 section 13.2.2 orders them.

If-Match (strong comparison; `*` matches any stored file), else If-Unmodified-Since, fail with 412; then
If-None-Match (weak comparison), else If-Modified-Since, answer 304 to GET and HEAD. The dates compare with
the stored file's modification time, the Last-Modified the file's response carries (whole seconds); a blob
read from an object store has none, and its date conditions are ignored, as are malformed dates. A header
sent on several lines arrives joined with commas (a list's parts; a date so joined is malformed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from enum import Enum

from package.core.errors import PreconditionFailed

_MAX_HEADER = 8192  # longer condition lists are not parsed (the request limits already bound headers)


class Outcome(Enum):
    """What the conditions decide: send the file, or answer 304 Not Modified (412 is raised)."""

    SEND = "send"
    NOT_MODIFIED = "not_modified"


def _tags(header: str) -> list[str]:
    """The entity-tags of a comma-separated list (`*` kept as is); empty when too long to read."""
    if len(header) > _MAX_HEADER:
        return []
    return [part.strip(" \t") for part in header.split(",") if part.strip(" \t")]  # HTTP's whitespace only


def _weak_equal(tag: str, etag: str) -> bool:
    return tag.removeprefix("W/") == etag.removeprefix("W/")


def _seconds(header: str | None) -> int | None:
    """An HTTP-date as whole seconds since the epoch, or None when absent or not a date."""
    if not header or len(header) > 64:
        return None
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # HTTP dates are GMT; a zone-less asctime date is read as such
        return None
    return int(moment.timestamp())


def evaluate(
    headers: Mapping[str, str], *, etag: str, modified: Callable[[], int | None], method: str = "GET"
) -> Outcome:
    """SEND or NOT_MODIFIED for a stored file with this strong `etag`; PreconditionFailed (412).

    `modified()`: the file's mtime in whole seconds (None: unknown), asked only when a date condition is sent.
    """
    if_match = headers.get("if-match")
    if if_match is not None:
        tags = _tags(if_match)
        if "*" not in tags and etag not in tags:  # strong comparison: a weak tag never matches
            raise PreconditionFailed(f"The file's ETag is {etag}, which If-Match does not list.")
    else:
        limit = _seconds(headers.get("if-unmodified-since"))
        changed = modified() if limit is not None else None
        if limit is not None and changed is not None and changed > limit:
            raise PreconditionFailed("The file changed after the If-Unmodified-Since date.")
    if method not in ("GET", "HEAD"):
        return Outcome.SEND
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        matched = "*" in tags or any(_weak_equal(tag, etag) for tag in tags)
        return Outcome.NOT_MODIFIED if matched else Outcome.SEND
    since = _seconds(headers.get("if-modified-since"))
    changed = modified() if since is not None else None
    unchanged = since is not None and changed is not None and changed <= since
    return Outcome.NOT_MODIFIED if unchanged else Outcome.SEND
