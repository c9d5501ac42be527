"""What nginx answers after an `X-Accel-Redirect` to a stored file: its status and the body bytes it sends.

Behind nginx (serve.py) the registry answers a download with headers only and nginx sends the file, deciding
Range and If-Range itself; the registry's request log, activity and metrics record the request as it ends in
the app, before nginx has sent a byte. So that line says what the client got (206 and the range's bytes,
200 and the whole file when If-Range no longer matches, ...), the registry works it out here with nginx's own
rules (nginx 1.22, `ngx_http_range_filter_module.c`: range parsing, If-Range by ETag or by Last-Modified,
single part, multipart/byteranges, refusal), from the request's headers and the file's size.

Only Range and If-Range are followed: the registry answers the conditional headers (304, and its JSON 412)
and an unsatisfiable first range (its JSON 416) itself, before nginx is involved, and sends the file itself
when a request carries If-Match or If-Unmodified-Since (which nginx would judge again by its own rules).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.utils import mktime_tz, parsedate_tz

from package.core.errors import error_body

# nginx's own 416 (a Range the registry ignores as malformed but nginx refuses): serve.py's configuration
# answers this body, so its size is known here.
RANGE_REFUSED_JSON = json.dumps(
    error_body(416, "range_not_satisfiable", "The requested range cannot be satisfied.")
)
_BOUNDARY_DIGITS = 20  # NGX_ATOMIC_T_LEN on 64-bit: nginx zero-pads its multipart boundary to this width
_MAX_OFFSET = 2**63 - 1  # NGX_MAX_OFF_T_VALUE: a larger number refuses the range
_DECLINED = None  # nginx ignores the Range header and sends the whole file
Ranges = list[tuple[int, int]]


def front_answer(
    range_header: str | None,
    if_range: str | None,
    *,
    etag: str,
    size: int,
    media_type: str,
    modified: Callable[[], int | None],
) -> tuple[int, int]:
    """(status, body bytes) nginx sends for a file of `size` bytes; `modified`: its mtime (If-Range dates)."""
    if range_header is None or len(range_header) < 7 or range_header[:6].lower() != "bytes=":
        return 200, size
    if if_range is not None and not _if_range_holds(if_range, etag, modified):
        return 200, size
    ranges = _parse(range_header[6:], size)
    if ranges is _DECLINED:
        return 200, size
    if not ranges:
        return 416, len(RANGE_REFUSED_JSON.encode())
    if len(ranges) == 1:
        start, end = ranges[0]
        return 206, end - start
    return 206, _multipart_bytes(ranges, size, media_type)


def _if_range_holds(value: str, etag: str, modified: Callable[[], int | None]) -> bool:
    """nginx: a quoted value must equal the ETag byte for byte; otherwise it is a date equal to the mtime."""
    if len(value) >= 2 and value.endswith('"'):
        return value == etag
    parsed = parsedate_tz(value)
    if parsed is None:
        return False
    mtime = modified()
    return mtime is not None and mktime_tz(parsed) == mtime


def _parse(spec: str, size: int) -> Ranges | None:
    """nginx's `ngx_http_range_parse`: the ranges, [] when refused (416), None when declined (whole file)."""
    text, p = spec + "\0", 0
    found: Ranges = []
    total = 0
    while True:
        p = _spaces(text, p)
        if text[p] != "-":
            start, p = _number(text, p)
            if start is None:
                return []
            p = _spaces(text, p)
            if text[p] != "-":
                return []
            p = _spaces(text, p + 1)
            if text[p] in ",\0":
                start_end: tuple[int, int] | None = (start, size)
            else:
                start_end = _closed(text, p, size, start, suffix=False)
        else:
            start_end = _closed(text, p + 1, size, 0, suffix=True)
        if start_end is None:
            return []
        (start, end), p = start_end, _after(text, p)
        if start < end:
            found.append((start, end))
            total += end - start
        elif start == 0:
            return _DECLINED
        if text[p] != ",":
            break
        p += 1
    if not found:
        return []
    return _DECLINED if total > size else found


def _closed(text: str, p: int, size: int, start: int, *, suffix: bool) -> tuple[int, int] | None:
    """The range whose end (or suffix length) starts at `p`; None when nginx refuses it."""
    end, p = _number(text, p)
    if end is None:
        return None
    p = _spaces(text, p)
    if text[p] not in ",\0":
        return None
    if suffix:
        start = size - end if end < size else 0
        end = size - 1
    return start, (size if end >= size else end + 1)


def _after(text: str, p: int) -> int:
    """Where the range starting at or after `p` ends (at its `,` or the end), as nginx's cursor stands."""
    while text[p] not in ",\0":
        p += 1
    return p


def _spaces(text: str, p: int) -> int:
    while text[p] == " ":
        p += 1
    return p


def _number(text: str, p: int) -> tuple[int | None, int]:
    """The ASCII digits at `p` as a number (None when there are none or too many), and what follows."""
    first = p
    while "0" <= text[p] <= "9":
        p += 1
    if p == first:
        return None, p
    value = int(text[first:p])
    return (value if value <= _MAX_OFFSET else None), p


def _multipart_bytes(ranges: Ranges, size: int, media_type: str) -> int:
    """The body of nginx's multipart/byteranges answer: a boundary and headers per part, a closing one."""
    boundary = "0" * _BOUNDARY_DIGITS
    header = f"\r\n--{boundary}\r\nContent-Type: {media_type}\r\nContent-Range: bytes "
    closing = f"\r\n--{boundary}--\r\n"
    parts = sum(len(header) + len(f"{start}-{end - 1}/{size}\r\n\r\n") + end - start for start, end in ranges)
    return parts + len(closing)
