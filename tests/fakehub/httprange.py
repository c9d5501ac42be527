"""Parsing of a single-range `Range: bytes=...` request header (RFC 9110)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


class Unsatisfiable(ValueError):
    """The range lies outside the resource: answer 416."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The requested range, or None to serve the whole resource (no header, malformed, or multi-range)."""
    if header is None:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            suffix = int(last)
            if suffix <= 0:
                raise Unsatisfiable(header)
            return ByteRange(max(0, size - suffix), size)
        start = int(first)
        end = size if last == "" else min(int(last) + 1, size)
    except ValueError as error:
        if isinstance(error, Unsatisfiable):
            raise
        return None
    if start >= size or end <= start:
        raise Unsatisfiable(header)
    return ByteRange(start, end)
